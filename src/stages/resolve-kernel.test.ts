import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KernelConfig } from '../kernel/kconfig.js';
import { featureTestContext, REAL_CONFIG, REAL_KV, REAL_MODULE_DIR } from '../firmware/test-context.js';
import { moduleDirFor, modulesRoot, modulesWanted, resolveKernelStage } from './resolve-kernel.js';
import { need } from '../context.js';

const work = mkdtempSync(join(tmpdir(), 'tsgk-resolve-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the module dir', () => {
  it('is absolute even for a relative prefix (make runs with -C)', () => {
    expect(modulesRoot({ KERNEL_MODULES_PREFIX: '' })).toBe('/lib/modules');
    expect(modulesRoot({ KERNEL_MODULES_PREFIX: 'stage' })).toBe(`${process.cwd()}/stage/lib/modules`);
    expect(moduleDirFor({ KERNEL_MODULES_PREFIX: 'stage/' }, '9.9.9')).toBe(`${process.cwd()}/stage/lib/modules/9.9.9`);
  });

  it('resolve-kernel derives it the same way: a relative --kernel-modules-prefix gives an absolute module dir', async () => {
    // A prefix whose lib/modules/KV is the real tree, named relative to the current directory.
    const prefix = join(work, 'prefix');
    mkdirSync(join(prefix, 'lib/modules'), { recursive: true });
    symlinkSync(REAL_MODULE_DIR, join(prefix, 'lib/modules', REAL_KV));
    const rel = relative(process.cwd(), prefix);
    const { ctx } = await featureTestContext({ settings: { KERNEL_VERSION: REAL_KV, KERNEL_CONFIG: REAL_CONFIG, KERNEL_MODULES_PREFIX: rel } });
    ctx.kernel = undefined;
    await resolveKernelStage.run(ctx);
    const { moduleDir } = need(ctx, 'kernel');
    expect(moduleDir).toBe(join(prefix, 'lib/modules', REAL_KV));
    expect(moduleDir).toBe(moduleDirFor(ctx.settings, REAL_KV));
  });
});

describe('modulesWanted', () => {
  it('needs RAMDISKMODULES and a kernel with CONFIG_MODULES', () => {
    const withModules = KernelConfig.parse('CONFIG_MODULES=y\n');
    const without = KernelConfig.parse('# CONFIG_MODULES is not set\n');
    expect(modulesWanted({ RAMDISKMODULES: true }, withModules)).toBe(true);
    expect(modulesWanted({ RAMDISKMODULES: false }, withModules)).toBe(false);
    expect(modulesWanted({ RAMDISKMODULES: true }, without)).toBe(false);
  });
});
