import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Stage } from '../pipeline.js';
import { ImageTree } from '../image/image-tree.js';
import { defaultsPath } from '../config/settings.js';
import { GkError } from '../errors.js';
import { FEATURES, enabledFeatures } from '../features/registry.js';

/** Directories the init expects to exist before it mounts anything. */
const BASE_DIRS = ['bin', 'sbin', 'etc', 'etc/initrd.d', 'lib', 'dev', 'proc', 'sys', 'run', 'tmp', 'newroot', 'usr/bin', 'usr/sbin'];

/** Shell-quotes a value for /etc/initrd.defaults, which /init sources. */
function shQuote(v: string): string {
  return `'${v.replace(/'/g, `'\\''`)}'`;
}

/**
 * The skeleton every image has: /init, its helper scripts, the fragments of enabled features,
 * the device nodes the kernel needs before devtmpfs is mounted, and the defaults baked in at
 * build time (--real-root).
 */
export const imageBaseStage: Stage = {
  name: 'image-base',
  describe: 'lay out /init, its scripts, feature fragments and device nodes',
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
    const fragmentsDir = defaultsPath('initrd.d');
    const available = new Set(await readdir(fragmentsDir).catch(() => [] as string[]));
    // Fragments no feature owns (numbered base hooks) always go in; feature fragments only with their feature.
    const owned = new Set(enabledFeatures(ctx).flatMap((f) => (f.initFragment ? [f.initFragment] : [])));
    const allOwned = new Set(FEATURES.flatMap((f) => (f.initFragment ? [f.initFragment] : [])));
    for (const name of [...available].sort()) {
      if (!name.endsWith('.sh')) continue;
      if (allOwned.has(name) && !owned.has(name)) continue;
      image.addFile(`etc/initrd.d/${name}`, join(fragmentsDir, name), 0o644);
    }
    const defaults = [`REAL_ROOT=${shQuote(ctx.settings.REAL_ROOT)}`];
    image.addFile('etc/initrd.defaults', Buffer.from(defaults.join('\n') + '\n'), 0o644);
    ctx.image = image;
    return `${image.size} entries`;
  },
};
