import { rename, copyFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Stage } from '../pipeline.js';
import { need } from '../context.js';
import { installAtomically, installSymlink } from '../install/atomic-install.js';
import { expandFilename } from '../install/filenames.js';
import { writeB2sum } from '../install/b2sum.js';

/**
 * The only stage that writes the boot dir, and the last one: everything that can fail has
 * failed before it. The image replaces the old one atomically and the old one stays as .old.
 * With --no-install the image is kept in TMPDIR and its path printed.
 */
export const installInitramfsStage: Stage = {
  name: 'install',
  commit: true,
  describe: 'install the image into the boot dir atomically, keeping the previous one as .old',
  enabled: (ctx) => !ctx.dryRun,
  async run(ctx) {
    const kernel = need(ctx, 'kernel');
    const built = ctx.outputs.image!;
    const name = basename(built.path);
    if (!ctx.settings.INSTALL) {
      const kept = join(ctx.settings.TMPDIR, name);
      await rename(built.path, kept).catch(async () => {
        await copyFile(built.path, kept);
        await rm(built.path, { force: true });
      });
      built.path = kept;
      return `not installed (--no-install): ${kept}`;
    }
    const dest = await installAtomically(built.path, ctx.paths.bootdir, name);
    built.installedAs = dest;
    if (ctx.settings.B2SUM) await writeB2sum(dest);
    if (ctx.settings.SYMLINK) {
      const link = expandFilename(ctx.settings.INITRAMFS_SYMLINK_NAME, { kv: kernel.version, arch: kernel.arch });
      await installSymlink(ctx.paths.bootdir, link, name);
    }
    return dest;
  },
};
