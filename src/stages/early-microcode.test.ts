import { describe, test, expect, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { earlyMicrocodeStage } from './early-microcode.js';
import { featureTestContext } from '../firmware/test-context.js';
import { ImageTree } from '../image/image-tree.js';
import { writeImage } from '../image/write-image.js';
import { readImage } from '../image/read-image.js';
import { readFileSync } from 'node:fs';
import { inspect } from '../cli/inspect.js';
import { isAmdContainer, isIntelUpdate } from '../firmware/microcode.js';

/** An Intel update: 48-byte header (version 1, revision, date, signature, ..., loader rev 1) + payload. */
function intelUpdate(signature: number, fill: number): Buffer {
  const b = Buffer.alloc(48 + 16, fill);
  b.writeUInt32LE(1, 0);
  b.writeUInt32LE(0x100 + fill, 4);
  b.writeUInt32LE(0x20240101, 8);
  b.writeUInt32LE(signature, 12);
  b.writeUInt32LE(0, 16);
  b.writeUInt32LE(1, 20);
  return b;
}

/** An AMD container: magic "DMA\0", then (type, size) section headers. */
function amdContainer(fill: number): Buffer {
  const b = Buffer.alloc(12 + 8, fill);
  b.writeUInt32LE(0x00414d44, 0);
  b.writeUInt32LE(0, 4);
  b.writeUInt32LE(8, 8);
  return b;
}

function ucodeDir(opts: { intel?: boolean; amd?: boolean } = { intel: true, amd: true }): { dir: string; intel: Buffer; amd: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'tsgk-ucode-'));
  const i1 = intelUpdate(0x50654, 1);
  const i2 = intelUpdate(0x806ec, 2);
  const a1 = amdContainer(3);
  const a2 = amdContainer(4);
  if (opts.intel) {
    mkdirSync(join(dir, 'intel-ucode'));
    writeFileSync(join(dir, 'intel-ucode', '06-55-04'), i1);
    writeFileSync(join(dir, 'intel-ucode', '06-8e-0c'), i2);
    writeFileSync(join(dir, 'intel-ucode', 'README'), 'not microcode');
  }
  if (opts.amd) {
    mkdirSync(join(dir, 'amd-ucode'));
    writeFileSync(join(dir, 'amd-ucode', 'microcode_amd.bin'), a1);
    writeFileSync(join(dir, 'amd-ucode', 'microcode_amd_fam17h.bin'), a2);
    execFileSync('xz', ['--check=crc32', join(dir, 'amd-ucode', 'microcode_amd_fam17h.bin')]);
    writeFileSync(join(dir, 'amd-ucode', 'microcode_amd_fam17h.bin.asc'), 'signature');
  }
  return { dir, intel: Buffer.concat([i1, i2]), amd: Buffer.concat([a1, a2]) };
}

async function ctxFor(fwDir: string, microcode: string) {
  return featureTestContext({ settings: { MICROCODE_INITRAMFS: true, MICROCODE: microcode, FIRMWARE_DIR: fwDir }, level: 3 });
}

describe('early microcode stage', () => {
  test('format checks accept the synthetic updates and refuse text', () => {
    expect(isIntelUpdate(intelUpdate(1, 1))).toBe(true);
    expect(isAmdContainer(amdContainer(1))).toBe(true);
    expect(isIntelUpdate(Buffer.alloc(64, 0x41))).toBe(false);
  });

  test('MICROCODE=all: both vendor blobs, concatenated in name order, READMEs and signatures left out', async () => {
    const u = ucodeDir();
    const { ctx, lines } = await ctxFor(u.dir, 'all');
    expect(earlyMicrocodeStage.enabled(ctx)).toBe(true);
    const detail = await earlyMicrocodeStage.run(ctx);
    expect(detail).toMatch(/intel 2 files.*amd 2 files/);
    const early = ctx.earlyImage!;
    const intel = early.get('kernel/x86/microcode/GenuineIntel.bin');
    const amd = early.get('kernel/x86/microcode/AuthenticAMD.bin');
    expect(intel?.kind === 'file' && Buffer.compare(intel.source as Buffer, u.intel)).toBe(0);
    expect(amd?.kind === 'file' && Buffer.compare(amd.source as Buffer, u.amd)).toBe(0);
    expect(lines.join('\n')).toMatch(/intel-ucode\/README is not a intel microcode file/);
  });

  test('MICROCODE=intel takes Intel only', async () => {
    const { ctx } = await ctxFor(ucodeDir().dir, 'intel');
    await earlyMicrocodeStage.run(ctx);
    expect(ctx.earlyImage?.has('kernel/x86/microcode/GenuineIntel.bin')).toBe(true);
    expect(ctx.earlyImage?.has('kernel/x86/microcode/AuthenticAMD.bin')).toBe(false);
  });

  test('no ucode dirs: one warning and no early archive', async () => {
    const { ctx, lines } = await ctxFor(mkdtempSync(join(tmpdir(), 'tsgk-noucode-')), 'all');
    expect(await earlyMicrocodeStage.run(ctx)).toBe('none found');
    expect(ctx.earlyImage).toBeUndefined();
    const warnings = lines.filter((l) => l.includes('WARNING'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/no microcode in .*intel-ucode and .*amd-ucode .*no early archive is built/);
  });

  test('only AMD present with MICROCODE=all: AMD archive, warning names the Intel dir', async () => {
    const u = ucodeDir({ amd: true });
    const { ctx, lines } = await ctxFor(u.dir, 'all');
    await earlyMicrocodeStage.run(ctx);
    expect(ctx.earlyImage?.has('kernel/x86/microcode/AuthenticAMD.bin')).toBe(true);
    expect(lines.join('\n')).toMatch(/no microcode in \S+\/intel-ucode \(/);
  });

  test('--no-microcode-initramfs or MICROCODE=none disables the stage', async () => {
    const { ctx } = await ctxFor('/x', 'none');
    expect(earlyMicrocodeStage.enabled(ctx)).toBe(false);
    ctx.settings.MICROCODE = 'all';
    ctx.settings.MICROCODE_INITRAMFS = false;
    expect(earlyMicrocodeStage.enabled(ctx)).toBe(false);
  });

  test('the written image starts with the uncompressed early archive; inspect shows both parts', async () => {
    const u = ucodeDir();
    const { ctx, base } = await ctxFor(u.dir, 'all');
    await earlyMicrocodeStage.run(ctx);
    const main = new ImageTree();
    main.addFile('init', Buffer.from('#!/bin/sh\n'), 0o755);
    const out = join(base, 'initramfs.img');
    await writeImage(main, out, { compressor: { name: 'zstd', level: 3 }, mtime: 0, early: ctx.earlyImage });
    const data = readFileSync(out);
    expect(data.toString('latin1', 0, 6)).toBe('070701');
    const parts = await readImage(data);
    expect(parts.map((p) => p.compression)).toEqual(['none', 'zstd']);
    expect(parts[0]!.entries.map((e) => e.name)).toEqual(
      expect.arrayContaining(['kernel', 'kernel/x86', 'kernel/x86/microcode', 'kernel/x86/microcode/AuthenticAMD.bin', 'kernel/x86/microcode/GenuineIntel.bin']),
    );
    // GNU cpio reads the first archive the way the kernel's early loader does: a plain newc run.
    const listed = execFileSync('cpio', ['-it', '--quiet'], { input: data, encoding: 'utf8' });
    expect(listed).toContain('kernel/x86/microcode/GenuineIntel.bin');
    let printed = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed += String(chunk);
      return true;
    });
    try {
      await inspect(out, {});
    } finally {
      spy.mockRestore();
    }
    expect(printed).toMatch(/== part 1: early cpio, uncompressed, \d+ entries/);
    expect(printed).toMatch(/== part 2: main archive, zstd-compressed/);
    expect(printed).toMatch(new RegExp(`${u.intel.length}  kernel/x86/microcode/GenuineIntel\\.bin`));
  });
});
