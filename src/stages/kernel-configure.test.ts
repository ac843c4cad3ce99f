import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GkError } from '../errors.js';
import { KernelConfig } from '../kernel/kconfig.js';
import { disposeTestContexts, kernelTestContext } from '../../test/kernel/context.js';
import { linuxSourceTree, scratchDir } from '../../test/kernel/linux-source.js';
import { BOOT_TEST_FRAGMENT, expandConfigFragment } from '../../test/kernel/test-config.js';
import { createKernelConfigureStage } from './kernel-configure.js';

let tree: string;
let work: string;
const cleanup: string[] = [];

beforeAll(async () => {
  tree = await linuxSourceTree();
  work = await scratchDir('configure');
  cleanup.push(work);
}, 300_000);

afterAll(async () => {
  await disposeTestContexts();
  for (const d of cleanup) await rm(d, { recursive: true, force: true });
});

/** Locations with no running-kernel config and no saved configs: only explicit choices count. */
function isolated(dir: string) {
  return { procConfig: join(dir, 'no-proc-config.gz'), runningBootDir: join(dir, 'no-boot'), runningRelease: 'none', etcKernelsDir: join(dir, 'etc-kernels') };
}

const forcedLines = (lines: string[]) => lines.filter((l) => /CONFIG_\w+=[ym] forced/.test(l));

describe('kernel-configure on the real linux-source tree', () => {
  it('forces each missing initramfs option with one line, then none on a config that has them', async () => {
    // A config without BLK_DEV_INITRD, DEVTMPFS and MODULES (allnoconfig + 64BIT only).
    const fragment = join(work, 'bare.fragment');
    await writeFile(fragment, 'CONFIG_64BIT=y\n');
    const bare = join(work, 'bare.config');
    await expandConfigFragment(tree, fragment, bare);
    const before = await KernelConfig.load(bare);
    for (const o of ['BLK_DEV_INITRD', 'DEVTMPFS', 'MODULES', 'RD_ZSTD']) expect(before.enabled(o)).toBe(false);

    const out = join(work, 'out-bare');
    const stage = createKernelConfigureStage({ locations: isolated(work) });
    // --no-microcode: only what the initramfs itself needs is forced here (features: the next test).
    const t = await kernelTestContext({ KERNEL_DIR: tree, KERNEL_OUTPUTDIR: out, KERNEL_CONFIG: bare, COMPRESS_INITRD_TYPE: 'zstd', MICROCODE: 'none', MRPROPER: false });
    const detail = await stage.run(t.ctx);

    const lines = forcedLines(t.lines);
    expect(lines).toHaveLength(4);
    for (const o of ['BLK_DEV_INITRD', 'DEVTMPFS', 'MODULES', 'RD_ZSTD']) {
      expect(lines.filter((l) => l.includes(`CONFIG_${o}=y forced`))).toHaveLength(1);
    }
    expect(detail).toMatch(/4 options forced/);
    const after = await KernelConfig.load(join(out, '.config'));
    for (const o of ['BLK_DEV_INITRD', 'DEVTMPFS', 'MODULES', 'RD_ZSTD']) expect(after.builtin(o)).toBe(true);
    // The kernel facts the next stages read.
    expect(t.ctx.kernel?.version).toMatch(/^6\.1\.\d+$/);
    expect(t.ctx.kernel?.configPath).toBe(join(out, '.config'));
    expect(t.ctx.kernel?.moduleCompression).toBe('none');

    // Run again on the result: nothing left to force, so no lines.
    const again = await kernelTestContext({ KERNEL_DIR: tree, KERNEL_OUTPUTDIR: out, KERNEL_CONFIG: join(out, '.config'), MICROCODE: 'none', MRPROPER: false });
    await stage.run(again.ctx);
    expect(forcedLines(again.lines)).toEqual([]);
  }, 180_000);

  it('forces the RD_ option of the chosen compressor, the options --luks and --microcode=intel need, and applies --kernel-localversion', async () => {
    const cfg = join(work, 'boot-test.config');
    await expandConfigFragment(tree, BOOT_TEST_FRAGMENT, cfg);
    const out = join(work, 'out-xz');
    const stage = createKernelConfigureStage({ locations: isolated(work) });
    const t = await kernelTestContext({
      KERNEL_DIR: tree,
      KERNEL_OUTPUTDIR: out,
      KERNEL_CONFIG: cfg,
      COMPRESS_INITRD_TYPE: 'best',
      KERNEL_LOCALVERSION: '-lv7',
      LUKS: true,
      MICROCODE: 'intel',
      MRPROPER: true,
    });
    await stage.run(t.ctx);
    const lines = forcedLines(t.lines);
    const names = lines.map((l) => /CONFIG_(\w+)=[ym]/.exec(l)?.[1]);
    // The fragment leaves out DEVTMPFS and every RD_ option (best resolves to xz), device-mapper,
    // md and the microcode loader; one line each, drivers as modules, bools built in.
    expect(names).toEqual(expect.arrayContaining(['DEVTMPFS', 'RD_XZ', 'MD', 'BLK_DEV_DM', 'DM_CRYPT', 'CRYPTO_XTS', 'CRYPTO_AES', 'MICROCODE', 'MICROCODE_INTEL']));
    expect(names).not.toContain('MICROCODE_AMD');
    expect(new Set(names).size).toBe(names.length);
    expect(lines.find((l) => l.includes('CONFIG_DM_CRYPT='))).toMatch(/CONFIG_DM_CRYPT=m forced \(was n\): --luks/);
    expect(lines.find((l) => l.includes('CONFIG_MICROCODE='))).toMatch(/CONFIG_MICROCODE=y forced \(was n\): --microcode=intel/);
    const after = await KernelConfig.load(join(out, '.config'));
    for (const n of names) expect(after.enabled(n!), n).toBe(true);
    expect(after.get('DM_CRYPT')).toBe('m');
    expect(after.builtin('RD_XZ')).toBe(true);
    expect(after.builtin('RD_ZSTD')).toBe(false);
    expect(after.get('LOCALVERSION')).toBe('-lv7');
    expect(after.get('MODULE_COMPRESS_ZSTD')).toBe('y');
    expect(t.ctx.kernel?.version).toMatch(/^6\.1\.\d+-lv7$/);
    expect(t.ctx.kernel?.moduleCompression).toBe('zstd');
  }, 180_000);

  it('falls back to make defconfig when there is no running-kernel config', async () => {
    const out = join(work, 'out-defconfig');
    const stage = createKernelConfigureStage({ locations: isolated(work) });
    const t = await kernelTestContext({ KERNEL_DIR: tree, KERNEL_OUTPUTDIR: out, KERNEL_CONFIG: 'default', MRPROPER: false });
    await stage.run(t.ctx);
    expect(t.lines.some((l) => l.includes('make defconfig'))).toBe(true);
    const cfg = await KernelConfig.load(join(out, '.config'));
    // x86_64_defconfig has these; the stage added nothing it lacked except what the image needs.
    expect(cfg.builtin('64BIT')).toBe(true);
    expect(cfg.builtin('BLK_DEV_INITRD')).toBe(true);
  }, 180_000);

  it('refuses a --kerneldir that is not a kernel tree, and an O= build of a configured tree', async () => {
    const stage = createKernelConfigureStage({ locations: isolated(work) });
    const t = await kernelTestContext({ KERNEL_DIR: work, KERNEL_CONFIG: 'default' });
    await expect(stage.run(t.ctx)).rejects.toThrow(/not a kernel source tree/);

    const fake = join(work, 'fake-src');
    await mkdir(fake, { recursive: true });
    await writeFile(join(fake, 'Makefile'), await readFile(join(tree, 'Makefile')));
    await writeFile(join(fake, '.config'), 'CONFIG_64BIT=y\n');
    const t2 = await kernelTestContext({ KERNEL_DIR: fake, KERNEL_OUTPUTDIR: join(work, 'o2') });
    const err = await stage.run(t2.ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GkError);
    expect((err as GkError).hint).toMatch(/mrproper/);
  });
});
