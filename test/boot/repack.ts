/**
 * Force shapes the build refuses to produce into an unpacked image (busybox modutils with
 * .ko.zst modules: the original bug). Unpacking and packing are in image-files.ts.
 */
import { readdirSync, rmSync, cpSync, existsSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Replace every decompressed module under root/lib/modules/KV by its .ko.zst from the zstd
 * tree, and the depmod indexes by the zstd tree's (which name .ko.zst files).
 */
export function swapInZstdModules(root: string, zstdModulesDir: string): number {
  const modDir = join(root, 'lib', 'modules');
  const kv = readdirSync(modDir)[0];
  if (!kv) throw new Error(`no module directory in ${modDir}`);
  const imgKv = join(modDir, kv);
  let swapped = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ko')) {
        const zst = join(zstdModulesDir, `${relative(imgKv, p)}.zst`);
        if (!existsSync(zst)) throw new Error(`no ${zst} for ${p}`);
        cpSync(zst, `${p}.zst`);
        rmSync(p);
        swapped++;
      }
    }
  };
  walk(imgKv);
  for (const f of readdirSync(zstdModulesDir)) {
    if (f.startsWith('modules.') && statSync(join(zstdModulesDir, f)).isFile()) cpSync(join(zstdModulesDir, f), join(imgKv, f));
  }
  return swapped;
}
