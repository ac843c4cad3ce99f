import { chmod } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Stage } from '../pipeline.js';
import { need } from '../context.js';
import { installAtomically, installSymlink, keepOutsideTemp } from '../install/atomic-install.js';
import { expandFilename } from '../install/filenames.js';
import { secretSourcesUnder } from '../image/image-secrets.js';
import { integratesInitramfs } from '../kernel/integrated-initramfs.js';

/** Every image is root's alone: it may hold keys, and its .old the same ones. */
const IMAGE_MODE = 0o600;
import { writeB2sum } from '../install/b2sum.js';

/**
 * The only stage that writes the boot dir, and the last one: everything that can fail has
 * failed before it. The image replaces the old one atomically and the old one stays as .old.
 * With --no-install the image is kept in TMPDIR and its path printed.
 */
export const installInitramfsStage: Stage = {
  name: 'install-initramfs',
  commit: true,
  describe: 'install the image into the boot dir atomically, keeping the previous one as .old',
  // --integrated-initramfs: the image is inside the kernel, so there is no file to install.
  enabled: (ctx) => !ctx.dryRun && !integratesInitramfs(ctx),
  async run(ctx) {
    const kernel = need(ctx, 'kernel');
    const built = ctx.outputs.image!;
    const name = basename(built.path);
    if (!ctx.settings.CLEANUP && ctx.image) {
      const left = secretSourcesUnder(ctx.image, ctx.paths.tmp);
      await Promise.all(left.map((f) => chmod(f, IMAGE_MODE)));
      if (left.length) ctx.log.warn(`--no-cleanup: secrets of the image are left in ${ctx.paths.tmp}: ${left.join(' ')} (mode 0600 in a 0700 dir; remove them when done)`);
    }
    if (!ctx.settings.INSTALL) {
      const kept = await keepOutsideTemp(built.path, ctx.settings.TMPDIR, name);
      await chmod(kept, IMAGE_MODE);
      built.path = kept;
      return `not installed (--no-install): ${kept}`;
    }
    const dest = await installAtomically(built.path, ctx.paths.bootdir, name, { mode: IMAGE_MODE });
    built.installedAs = dest;
    if (ctx.settings.B2SUM) await writeB2sum(dest);
    if (ctx.settings.SYMLINK) {
      const link = expandFilename(ctx.settings.INITRAMFS_SYMLINK_NAME, { kv: kernel.version, arch: kernel.arch });
      await installSymlink(ctx.paths.bootdir, link, name);
    }
    return dest;
  },
};
