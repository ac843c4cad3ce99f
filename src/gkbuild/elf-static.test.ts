import { chmodSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTestDirs, testDir } from './test-context.js';
import { elfLinkage } from '../elf/elf-reader.js';
import { dynamicExecutables } from './elf-static.js';

// Debian's busybox-static and coreutils: a real static and a real dynamic (PIE) executable.
const STATIC_BIN = '/bin/busybox';
const DYNAMIC_BIN = '/bin/ls';

afterAll(removeTestDirs);

describe('elfLinkage', () => {
  it('calls busybox-static static', () => {
    expect(elfLinkage(readFileSync(STATIC_BIN))).toEqual({ kind: 'static' });
  });

  it('calls /bin/ls dynamic because of its program interpreter', () => {
    const l = elfLinkage(readFileSync(DYNAMIC_BIN));
    expect(l.kind).toBe('dynamic');
    expect(l.kind === 'dynamic' && l.reason).toMatch(/interpreter \/lib64\/ld-linux-x86-64\.so\.2/);
  });

  it('calls a static-pie static although it has a PT_DYNAMIC segment', () => {
    const dir = testDir('elf-');
    writeFileSync(join(dir, 'a.c'), 'int main(void) { return 0; }\n');
    execFileSync('cc', ['-static-pie', '-o', join(dir, 'a'), join(dir, 'a.c')]);
    const out = execFileSync('readelf', ['-lW', join(dir, 'a')]).toString();
    expect(out).toMatch(/\bDYNAMIC\b/); // the case this test is about
    expect(out).not.toMatch(/\bINTERP\b/);
    expect(elfLinkage(readFileSync(join(dir, 'a')))).toEqual({ kind: 'static' });
  });

  it('calls a shared library that needs others dynamic (DT_NEEDED, no interpreter)', () => {
    const dir = testDir('elf-');
    writeFileSync(join(dir, 'l.c'), '#include <stdio.h>\nint f(void) { return puts("x"); }\n');
    execFileSync('cc', ['-shared', '-fPIC', '-o', join(dir, 'l.so'), join(dir, 'l.c')]);
    expect(elfLinkage(readFileSync(join(dir, 'l.so')))).toEqual({ kind: 'dynamic', reason: 'needs shared libraries (DT_NEEDED)' });
  });

  it('ignores scripts and reports truncated ELF files as not static', () => {
    expect(elfLinkage(Buffer.from('#!/bin/sh\necho hi\n'.padEnd(64)))).toEqual({ kind: 'not-elf' });
    expect(elfLinkage(readFileSync(DYNAMIC_BIN).subarray(0, 80)).kind).toBe('dynamic');
  });
});

describe('dynamicExecutables', () => {
  it('lists only the dynamic executables of a tree, skipping symlinks and non-executables', () => {
    const dir = testDir('elf-tree-');
    copyFileSync(STATIC_BIN, join(dir, 'busybox'));
    copyFileSync(DYNAMIC_BIN, join(dir, 'ls'));
    copyFileSync(DYNAMIC_BIN, join(dir, 'ls.data'));
    chmodSync(join(dir, 'ls.data'), 0o644);
    chmodSync(join(dir, 'busybox'), 0o755);
    chmodSync(join(dir, 'ls'), 0o755);
    expect(dynamicExecutables(dir)).toEqual([{ path: 'ls', reason: 'program interpreter /lib64/ld-linux-x86-64.so.2' }]);
  });
});
