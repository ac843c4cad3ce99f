import { mkdir, readFile, readdir, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { KernelConfig } from '../kernel/kconfig.js';
import { disposeTestContexts, kernelTestContext } from '../../test/kernel/context.js';
import { createKernelInstallStage } from './kernel-install.js';

afterAll(() => disposeTestContexts());

/** A context as kernel-compile leaves it: built image, System.map and .config in an output dir. */
async function builtContext(values: Parameters<typeof kernelTestContext>[0], image: string) {
  const t = await kernelTestContext(values);
  const out = join(t.dir, 'kbuild');
  await mkdir(join(out, 'arch/x86/boot'), { recursive: true });
  await writeFile(join(out, 'arch/x86/boot/bzImage'), image);
  await writeFile(join(out, 'System.map'), `map of ${image}`);
  await writeFile(join(out, '.config'), 'CONFIG_MODULES=y\n');
  t.ctx.kernel = {
    version: '6.1.192-t',
    arch: 'x86_64',
    config: KernelConfig.parse('CONFIG_MODULES=y\n'),
    configPath: join(out, '.config'),
    outputDir: out,
    moduleDir: join(t.dir, 'lib/modules/6.1.192-t'),
    moduleCompression: 'none',
  };
  t.ctx.outputs.kernelImage = join(out, 'arch/x86/boot/bzImage');
  t.ctx.outputs.systemMap = join(out, 'System.map');
  return t;
}

describe('kernel-install stage', () => {
  it('installs the three files under their expanded names, with symlink and saved config', async () => {
    const t = await builtContext(
      { KERNEL_FILENAME: 'kernel-%%ARCH%%-%%KV%%', SYSTEMMAP_FILENAME: 'System.map-%%KV%%', SYMLINK: true, KERNEL_SYMLINK_NAME: 'kernel', SAVE_CONFIG: true },
      'IMAGE-1',
    );
    const etc = join(t.dir, 'etc-kernels');
    const stage = createKernelInstallStage({ etcKernelsDir: etc });
    expect(stage.enabled(t.ctx)).toBe(true);
    await stage.run(t.ctx);
    const boot = t.ctx.paths.bootdir;
    expect((await readdir(boot)).sort()).toEqual(['System.map', 'System.map-6.1.192-t', 'config-6.1.192-t', 'kernel', 'kernel-x86_64-6.1.192-t']);
    expect(await readlink(join(boot, 'kernel'))).toBe('kernel-x86_64-6.1.192-t');
    expect(await readlink(join(boot, 'System.map'))).toBe('System.map-6.1.192-t');
    expect(await readFile(join(boot, 'kernel-x86_64-6.1.192-t'), 'utf8')).toBe('IMAGE-1');
    expect(await readFile(join(etc, 'kernel-config-6.1.192-t'), 'utf8')).toBe('CONFIG_MODULES=y\n');
    expect(t.ctx.outputs.kernelImage).toBe(join(boot, 'kernel-x86_64-6.1.192-t'));
    expect(t.ctx.outputs.systemMap).toBe(join(boot, 'System.map-6.1.192-t'));

    // A rebuild of the same KV keeps the first as .old.
    await writeFile(join(t.ctx.kernel!.outputDir!, 'arch/x86/boot/bzImage'), 'IMAGE-2');
    t.ctx.outputs.kernelImage = join(t.ctx.kernel!.outputDir!, 'arch/x86/boot/bzImage');
    t.ctx.outputs.systemMap = join(t.ctx.kernel!.outputDir!, 'System.map');
    await stage.run(t.ctx);
    expect(await readFile(join(boot, 'kernel-x86_64-6.1.192-t'), 'utf8')).toBe('IMAGE-2');
    expect(await readFile(join(boot, 'kernel-x86_64-6.1.192-t.old'), 'utf8')).toBe('IMAGE-1');
  });

  it('is off with --no-install and refuses file names with a slash', async () => {
    const off = await builtContext({ INSTALL: false }, 'X');
    expect(createKernelInstallStage().enabled(off.ctx)).toBe(false);
    const bad = await builtContext({ KERNEL_FILENAME: '../vmlinuz-%%KV%%', SAVE_CONFIG: false }, 'X');
    await expect(createKernelInstallStage().run(bad.ctx)).rejects.toThrow(/not a plain file name/);
    expect(await readdir(bad.ctx.paths.bootdir).catch(() => [])).toEqual([]);
  });

  it('saves the config under --kernel-config-filename, %%KV%% and %%ARCH%% expanded', async () => {
    const t = await builtContext({ SAVE_CONFIG: true, KERNEL_CONFIG_FILENAME: 'cfg-%%ARCH%%-%%KV%%' }, 'IMAGE-3');
    const etc = join(t.dir, 'etc-kernels-named');
    await createKernelInstallStage({ etcKernelsDir: etc }).run(t.ctx);
    expect(await readdir(etc)).toEqual(['cfg-x86_64-6.1.192-t']);
  });

  it('--b2sum writes a .b2sum beside each installed file that b2sum -c accepts', async () => {
    const t = await builtContext({ B2SUM: true, SAVE_CONFIG: false }, 'IMAGE-B2');
    await createKernelInstallStage({ etcKernelsDir: join(t.dir, 'etc-b2') }).run(t.ctx);
    const boot = t.ctx.paths.bootdir;
    const sums = (await readdir(boot)).filter((n) => n.endsWith('.b2sum')).sort();
    expect(sums).toEqual(['System.map-6.1.192-t.b2sum', 'config-6.1.192-t.b2sum', 'vmlinuz-6.1.192-t.b2sum']);
    for (const s of sums) expect(execFileSync('b2sum', ['-c', s], { cwd: boot, encoding: 'utf8' })).toMatch(/: OK\n$/);
    await writeFile(join(boot, 'vmlinuz-6.1.192-t'), 'tampered');
    expect(() => execFileSync('b2sum', ['-c', 'vmlinuz-6.1.192-t.b2sum'], { cwd: boot, stdio: 'pipe' })).toThrow();
  });
});
