import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Stage } from '../pipeline.js';
import { ImageTree } from '../image/image-tree.js';
import { defaultsPath } from '../config/settings.js';
import { GkError } from '../errors.js';
import { shQuote } from '../features/boot-fragment.js';
import { renderMountTimeNeeds } from '../kmod/mount-time-modules.js';

/** Directories the init expects to exist before it mounts anything. */
const BASE_DIRS = ['bin', 'sbin', 'etc', 'etc/initrd.d', 'etc/initrd.lib', 'lib', 'dev', 'proc', 'sys', 'run', 'tmp', 'newroot', 'usr/bin', 'usr/sbin'];

/**
 * The skeleton every image has: /init, its helper library (/etc/initrd.scripts and the files it
 * sources from /etc/initrd.lib), the device nodes the kernel needs before devtmpfs is mounted,
 * and the defaults baked in at build time (--real-root). Feature fragments are added by the
 * features themselves (see src/features/boot-fragment.ts).
 */
export const imageBaseStage: Stage = {
  name: 'image-base',
  describe: 'lay out /init, its helper library and device nodes',
  enabled: () => true,
  async run(ctx) {
    const image = new ImageTree();
    for (const d of BASE_DIRS) image.ensureDir(d);
    image.addDevice('dev/console', 'chardev', 5, 1, 0o600);
    image.addDevice('dev/null', 'chardev', 1, 3, 0o666);
    const linuxrc = ctx.settings.LINUXRC || defaultsPath('linuxrc');
    const init = await readFile(linuxrc).catch(() => {
      throw new GkError(`linuxrc ${linuxrc} cannot be read`, 'pass an existing file with --linuxrc=FILE, or drop the option');
    });
    image.addFile('init', init, 0o755);
    image.addFile('etc/initrd.scripts', await readFile(defaultsPath('initrd.scripts')), 0o644);
    const libDir = defaultsPath('initrd.lib');
    for (const name of (await readdir(libDir)).filter((n) => n.endsWith('.sh')).sort()) {
      image.addFile(`etc/initrd.lib/${name}`, join(libDir, name), 0o644);
    }
    const defaults = [
      `REAL_ROOT=${shQuote(ctx.settings.REAL_ROOT)}`,
      // Modules each filesystem loads by name while mounting (gk_load_fs_module loads them too).
      `GK_FS_MOUNT_MODULES=${shQuote(renderMountTimeNeeds(ctx.modules?.mountTimeNeeds ?? new Map()))}`,
    ];
    image.addFile('etc/initrd.defaults', Buffer.from(defaults.join('\n') + '\n'), 0o644);
    ctx.image = image;
    return `${image.size} entries`;
  },
};
