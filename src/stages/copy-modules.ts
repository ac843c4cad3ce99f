import { join } from 'node:path';
import { rmSync } from 'node:fs';
import type { Stage } from '../pipeline.js';
import type { BuildContext } from '../context.js';
import { need } from '../context.js';
import { stageModules } from '../kmod/stage-modules.js';
import { addHostTree } from '../image/add-host-tree.js';
import { hostModprobeFiles, IMAGE_MODPROBE_DIR } from '../kmod/host-modprobe-conf.js';
import { storePendingPlan } from '../kmod/plan-cache.js';
import { cachedStagedTree, stagingDir, stagingKey, storeStagedTree, treeBytes, type StagingInputs } from '../kmod/staged-modules-cache.js';

/**
 * Stages the planned modules in a private tree (decompressed copies unless DECOMPRESS_MODULES=no;
 * modules kept as shipped are links to the kernel's files, read once, when the archive is packed),
 * lets depmod index that tree, and adds it to the image: the image's modules.dep then names
 * exactly the files it carries.
 */
export const copyModulesStage: Stage = {
  name: 'copy-modules',
  describe: 'copy (and decompress) the selected modules and index them for the image',
  // A dry run writes nothing: the plan lists the modules, nothing is copied.
  enabled: (ctx) => ctx.modules !== undefined && !ctx.dryRun,
  async run(ctx) {
    const kernel = need(ctx, 'kernel');
    const plan = need(ctx, 'modules');
    const inputs = { plan, moduleDir: kernel.moduleDir, kv: kernel.version, decompress: ctx.settings.DECOMPRESS_MODULES, link: true };
    const { root, fromCache } = await stagedTree(ctx, inputs);
    storePendingPlan(plan);
    const image = need(ctx, 'image');
    await addHostTree(image, join(root, 'lib'), 'lib', { fileMode: 0o644, dirMode: 0o755, followFileLinks: true });
    // The host's options, blacklists, softdeps and install lines (MODPROBEDIR), as genkernel ships
    // them: the same directory whose softdeps the resolver followed.
    for (const f of await hostModprobeFiles(plan.modprobeDirs ?? [])) image.addFile(`${IMAGE_MODPROBE_DIR}/${f.name}`, Buffer.from(f.text), 0o644);
    const mib = (treeBytes(root) / 1048576).toFixed(1);
    return `${plan.modules.length} modules, ${mib} MiB${ctx.settings.DECOMPRESS_MODULES ? ' decompressed' : ' as shipped'}${fromCache ? ' (staged tree from the cache)' : ''}`;
  },
};

/**
 * The staged tree for these inputs: from the cache of earlier builds, else staged (into the cache
 * when it is writable, into this run's temp dir when not).
 */
async function stagedTree(ctx: BuildContext, inputs: StagingInputs): Promise<{ root: string; fromCache: boolean }> {
  const cache = { dir: join(ctx.paths.cache, 'staged-modules') };
  const key = stagingKey(inputs);
  const found = cachedStagedTree(cache, key);
  if (found.hit) return { root: found.root, fromCache: true };
  if (found.rejected) ctx.log.warn(`the cached staged modules ${join(cache.dir, key)} failed the trust rule; staged again`);
  let dest: string | undefined;
  try {
    dest = stagingDir(cache, key);
  } catch {
    // a read-only or full cache dir: stage in the temp dir, as without a cache
  }
  const stage = (to: string) => stageModules(inputs.plan, inputs.moduleDir, to, inputs.kv, { decompress: inputs.decompress, link: inputs.link }, ctx.log);
  if (!dest) {
    const root = join(ctx.paths.tmp, 'modules-root');
    await stage(root);
    return { root, fromCache: false };
  }
  // An interrupted run drops its half-staged tree at once rather than leaving it for prune.
  ctx.scratchPaths.add(dest);
  try {
    await stage(dest);
    return { root: storeStagedTree(cache, key, dest), fromCache: false };
  } catch (err) {
    rmSync(dest, { recursive: true, force: true });
    throw err;
  } finally {
    ctx.scratchPaths.delete(dest);
  }
}
