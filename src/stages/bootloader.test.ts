import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { disposeTestContexts, kernelTestContext } from '../../test/kernel/context.js';
import { bootloaderStage } from './bootloader.js';
import { stagesFor } from '../pipelines.js';

afterAll(() => disposeTestContexts());

async function withPath<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const old = process.env.PATH;
  process.env.PATH = dir;
  try {
    return await fn();
  } finally {
    process.env.PATH = old;
  }
}

describe('--bootloader=grub2', () => {
  it('runs grub-mkconfig into BOOTDIR/grub/grub.cfg after the kernel install, and skips without GRUB', async () => {
    for (const cmd of ['kernel', 'bzImage'] as const) {
      const names = stagesFor(cmd).map((s) => s.name);
      expect(names.indexOf('bootloader'), cmd).toBe(names.indexOf('kernel-install') + 1);
    }
    const all = stagesFor('all').map((s) => s.name);
    expect(all.indexOf('bootloader')).toBe(all.indexOf('install') + 1);
    const off = await kernelTestContext({});
    expect(bootloaderStage.enabled(off.ctx)).toBe(false);
    const t = await kernelTestContext({ BOOTLOADER: 'grub2' });
    expect(bootloaderStage.enabled(t.ctx)).toBe(true);
    const empty = join(t.dir, 'no-grub');
    await mkdir(empty);
    expect(await withPath(`${empty}:/usr/bin:/bin`, () => bootloaderStage.run(t.ctx))).toMatch(/^skipped: neither grub-mkconfig/);
    const bin = join(t.dir, 'grub-bin');
    await mkdir(bin);
    const marker = join(t.dir, 'grub-ran');
    await writeFile(join(bin, 'grub-mkconfig'), `#!/bin/sh\necho "$*" > ${marker}\n`);
    await chmod(join(bin, 'grub-mkconfig'), 0o755);
    await withPath(`${bin}:/usr/bin:/bin`, () => bootloaderStage.run(t.ctx));
    expect(await readFile(marker, 'utf8')).toBe(`-o ${join(t.ctx.paths.bootdir, 'grub', 'grub.cfg')}\n`);
  });
});
