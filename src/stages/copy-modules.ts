import { join } from 'node:path';
import type { Stage } from '../pipeline.js';
import { need } from '../context.js';
import { stageModules } from '../kmod/stage-modules.js';
import { addHostTree } from '../image/add-host-tree.js';
import { hostModprobeFiles, IMAGE_MODPROBE_DIR } from '../kmod/host-modprobe-conf.js';

/**
 * Copies the planned modules into a private tree (decompressed unless DECOMPRESS_MODULES=no),
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
    const root = join(ctx.paths.tmp, 'modules-root');
    const staged = await stageModules(plan, kernel.moduleDir, root, kernel.version, { decompress: ctx.settings.DECOMPRESS_MODULES }, ctx.log);
    const image = need(ctx, 'image');
    await addHostTree(image, join(root, 'lib'), 'lib', { fileMode: 0o644, dirMode: 0o755 });
    // The host's options, blacklists, softdeps and install lines (MODPROBEDIR), as genkernel ships
    // them: the same directory whose softdeps the resolver followed.
    for (const f of await hostModprobeFiles(plan.modprobeDirs ?? [])) image.addFile(`${IMAGE_MODPROBE_DIR}/${f.name}`, Buffer.from(f.text), 0o644);
    const mib = (staged.bytes / 1048576).toFixed(1);
    return `${plan.modules.length} modules, ${mib} MiB${ctx.settings.DECOMPRESS_MODULES ? ' decompressed' : ' as shipped'}`;
  },
};
