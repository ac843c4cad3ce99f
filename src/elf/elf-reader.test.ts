import { describe, test, expect, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readElf, isElf, NotElfError } from './elf-reader.js';
import { buildTestObjects, type TestObjects } from './test-objects.js';

/** binutils' view of the dynamic section, as the oracle. */
function readelfDynamic(path: string, kind: 'NEEDED' | 'RUNPATH' | 'RPATH' | 'SONAME'): string[] {
  const out = execFileSync('readelf', ['-d', '-W', path], { encoding: 'utf8' });
  const re = new RegExp(`\\(${kind}\\)\\s+\\S+ \\S+: \\[([^\\]]*)\\]`);
  return out.split('\n').flatMap((l) => {
    const m = re.exec(l);
    return m ? [m[1]!] : [];
  });
}

let objs: TestObjects;
beforeAll(() => {
  objs = buildTestObjects();
});

describe('readElf on host binaries', () => {
  test.each(['/sbin/cryptsetup', '/sbin/lvm', '/sbin/mdadm', '/bin/btrfs', '/bin/kmod'])('%s: DT_NEEDED and PT_INTERP match readelf', async (bin) => {
    const info = await readElf(bin);
    expect(info.bits).toBe(64);
    expect(info.machine).toBe(62);
    expect(info.dynamic).toBe(true);
    expect(info.interp).toBe('/lib64/ld-linux-x86-64.so.2');
    expect(info.needed).toEqual(readelfDynamic(bin, 'NEEDED'));
    expect(info.needed).toContain('libc.so.6');
  });

  test('cryptsetup needs libcryptsetup.so.12', async () => {
    expect((await readElf('/sbin/cryptsetup')).needed).toContain('libcryptsetup.so.12');
  });

  test('a library: its soname, no interpreter', async () => {
    const info = await readElf('/lib/x86_64-linux-gnu/libcryptsetup.so.12');
    expect(info.soname).toBe('libcryptsetup.so.12');
    expect(info.soname).toBe(readelfDynamic('/lib/x86_64-linux-gnu/libcryptsetup.so.12', 'SONAME')[0]);
    expect(info.interp).toBeUndefined();
    expect(info.needed).toEqual(readelfDynamic('/lib/x86_64-linux-gnu/libcryptsetup.so.12', 'NEEDED'));
  });

  test('static busybox has no dynamic section', async () => {
    const info = await readElf('/bin/busybox');
    expect(info.dynamic).toBe(false);
    expect(info.needed).toEqual([]);
    expect(info.interp).toBeUndefined();
  });

  test('not ELF: a shell script', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsgk-notelf-'));
    writeFileSync(join(dir, 's'), '#!/bin/sh\necho hi\n');
    await expect(readElf(join(dir, 's'))).rejects.toBeInstanceOf(NotElfError);
    expect(await isElf(join(dir, 's'))).toBe(false);
    expect(await isElf('/bin/busybox')).toBe(true);
  });
});

describe('readElf run paths (gcc-built objects)', () => {
  test('DT_RUNPATH kept unexpanded', async () => {
    const info = await readElf(objs.runpathTool);
    expect(info.runpath).toEqual(['$ORIGIN/../lib']);
    expect(info.rpath).toEqual([]);
    expect(info.runpath).toEqual(readelfDynamic(objs.runpathTool, 'RUNPATH'));
    expect(info.needed).toContain('libgkt.so.1');
  });

  test('DT_RPATH', async () => {
    const info = await readElf(objs.rpathTool);
    expect(info.rpath).toEqual(readelfDynamic(objs.rpathTool, 'RPATH'));
    expect(info.rpath).toHaveLength(1);
    expect(info.runpath).toEqual([]);
  });
});
