import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { disposeTestContexts, kernelTestContext } from '../../test/kernel/context.js';
import { fakeTool, withPath } from '../../test/fake-tools.js';
import { bootloaderStage } from './bootloader.js';
import { stagesFor } from '../pipelines.js';

afterAll(() => disposeTestContexts());

describe('--bootloader=grub2', () => {
  it('runs grub-mkconfig into BOOTDIR/grub/grub.cfg after the kernel install, and skips without GRUB', async () => {
    for (const cmd of ['kernel', 'bzImage'] as const) {
      const names = stagesFor(cmd).map((s) => s.name);
      expect(names.indexOf('bootloader'), cmd).toBe(names.indexOf('kernel-install') + 1);
    }
    const all = stagesFor('all').map((s) => s.name);
    // After every install of `all` (kernel, initramfs, UKI), before the boot dir is unmounted.
    expect(all.indexOf('bootloader')).toBe(all.indexOf('unmount-boot') - 1);
    expect(all.indexOf('bootloader')).toBeGreaterThan(all.indexOf('install-initramfs'));
    const off = await kernelTestContext({});
    expect(bootloaderStage.enabled(off.ctx)).toBe(false);
    const t = await kernelTestContext({ BOOTLOADER: 'grub2' });
    expect(bootloaderStage.enabled(t.ctx)).toBe(true);
    const empty = join(t.dir, 'no-grub');
    await mkdir(empty);
    expect(await withPath(`${empty}:/usr/bin:/bin`, () => bootloaderStage.run(t.ctx))).toMatch(/^skipped: neither grub-mkconfig/);
    const marker = join(t.dir, 'grub-ran');
    const bin = await fakeTool(join(t.dir, 'grub-bin'), 'grub-mkconfig', marker);
    await withPath(`${bin}:/usr/bin:/bin`, () => bootloaderStage.run(t.ctx));
    expect(await readFile(marker, 'utf8')).toBe(`-o ${join(t.ctx.paths.bootdir, 'grub', 'grub.cfg')}\n`);
  });
});
