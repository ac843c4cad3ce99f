import { join } from 'node:path';
import { run } from '../exec.js';
import { builtTool } from '../gkbuild/index.js';
import type { Feature } from './feature.js';

/**
 * The applet paths a busybox binary provides ("bin/sh", "sbin/switch_root", ...), asked from the
 * binary itself, so the links always match the configuration it was built with.
 */
export async function busyboxApplets(binary: string): Promise<string[]> {
  const { stdout } = await run(binary, ['--list-full'], { what: `${binary} --list-full` });
  return stdout.split('\n').map((l) => l.trim()).filter(Boolean);
}

/**
 * A static busybox (gkbuilds/busybox.gkbuild, configured from defaults/busy-config or
 * --busybox-config) with one symlink per applet. A path another feature already put into the
 * image is left alone: with kmod, /sbin/modprobe stays kmod's.
 */
export const busyboxFeature: Feature = {
  name: 'busybox',
  enabled: (ctx) => ctx.settings.BUSYBOX,
  tools: () => ['busybox'],
  async install(ctx, image) {
    const binary = join(builtTool(ctx, 'busybox').root, 'bin', 'busybox');
    image.addFile('bin/busybox', binary, 0o755);
    for (const applet of await busyboxApplets(binary)) {
      if (applet === 'bin/busybox' || image.has(applet)) continue;
      image.addSymlink(applet, '/bin/busybox');
    }
  },
};
