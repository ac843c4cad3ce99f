import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { need } from '../context.js';
import type { Stage } from '../pipeline.js';
import { run } from '../exec.js';
import { COMPRESSION_FACTS } from '../kmod/compression.js';
import { modulesRoot } from './resolve-kernel.js';
import { kernelMake, kernelTree } from '../kernel/kernel-make.js';
import { carryOverForeignEntries, swapModuleDir } from '../kernel/module-tree-swap.js';

/**
 * modules_install into a staging dir beside the live lib/modules/KV (same filesystem), depmod
 * there with the System.map this build produced, then swap it in. The live module tree is
 * never half-written: a failed install or depmod leaves it as it was.
 * INSTALL_MOD_STRIP=1 with --strip=modules|all.
 */
export const modulesInstallStage: Stage = {
  name: 'modules-install',
  commit: true,
  describe: 'install the kernel modules and index them with depmod',
  enabled: (ctx) => !ctx.dryRun && !ctx.kernelFromCache,
  async run(ctx) {
    const kernel = need(ctx, 'kernel');
    if (!kernel.config.enabled('MODULES')) return 'skipped: CONFIG_MODULES is off';
    const tree = kernelTree(ctx.settings);
    const root = modulesRoot(ctx.settings);
    await mkdir(root, { recursive: true });

    const stageRoot = join(root, `.tsgk-stage-${kernel.version}-${process.pid}`);
    const dropStage = () => rm(stageRoot, { recursive: true, force: true });
    ctx.cleanups.push(dropStage);
    await dropStage();

    const strip = ctx.settings.STRIP_TYPE === 'modules' || ctx.settings.STRIP_TYPE === 'all';
    // DEPMOD=true: kbuild's own depmod pass would be redone below on the final tree anyway.
    await kernelMake(ctx, tree, ['modules_install'], {
      heavy: true,
      vars: [`INSTALL_MOD_PATH=${stageRoot}`, 'DEPMOD=true', ...(strip ? ['INSTALL_MOD_STRIP=1'] : [])],
    });
    const staged = join(stageRoot, 'lib/modules', kernel.version);
    const carried = await carryOverForeignEntries(kernel.moduleDir, staged);
    if (carried.length) ctx.log.info(`kept out-of-tree module dirs from the previous install: ${carried.join(', ')}`, 2);

    await run('depmod', ['-b', stageRoot, '-F', join(tree.outputDir, 'System.map'), kernel.version], {
      log: ctx.log,
      what: 'depmod on the newly installed modules',
      hint: 'install kmod (depmod)',
    });
    await swapModuleDir(staged, kernel.moduleDir);
    await dropStage();

    const { count, bytes } = await countModules(kernel.moduleDir);
    return `${count} modules (${COMPRESSION_FACTS[kernel.moduleCompression].suffix}), ${(bytes / 1048576).toFixed(1)} MiB in ${kernel.moduleDir}`;
  },
};

async function countModules(dir: string): Promise<{ count: number; bytes: number }> {
  let count = 0;
  let bytes = 0;
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || !/\.ko(\.(zst|xz|gz))?$/.test(e.name)) continue;
    count++;
    bytes += (await stat(join(e.parentPath ?? e.path, e.name))).size;
  }
  return { count, bytes };
}
