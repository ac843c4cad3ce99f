import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Stage } from '../pipeline.js';
import { need } from '../context.js';
import { chooseCompressor, hostCompressorTools } from '../image/compressors.js';
import { writeImage } from '../image/write-image.js';
import { expandFilename } from '../install/filenames.js';

/**
 * The one mtime every entry carries. SOURCE_DATE_EPOCH when set; otherwise the time the inputs
 * last changed — the kernel's modules.dep (depmod runs after every module install) or, for a
 * kernel without modules, its config — not the build time, so the same inputs give the same
 * image and a rebuild can take its compressed segments from the segment cache.
 */
export function imageMtime(inputs: readonly string[], env: NodeJS.ProcessEnv = process.env): number {
  const sde = env.SOURCE_DATE_EPOCH;
  if (sde && /^\d+$/.test(sde)) return Number.parseInt(sde, 10);
  for (const f of inputs) {
    try {
      return Math.floor(statSync(f).mtimeMs / 1000);
    } catch {
      // not there: the next one
    }
  }
  return Math.floor(Date.now() / 1000);
}

/** The image mtime for a kernel: its modules.dep, else its config (see imageMtime). */
export function kernelImageMtime(kernel: { moduleDir: string; configPath: string }): number {
  return imageMtime([join(kernel.moduleDir, 'modules.dep'), kernel.configPath]);
}

export const assembleStage: Stage = {
  name: 'assemble',
  describe: 'write the newc archive and compress it as it is written',
  enabled: (ctx) => !ctx.dryRun,
  async run(ctx) {
    const kernel = need(ctx, 'kernel');
    const image = need(ctx, 'image');
    const hostHas = await hostCompressorTools();
    const compressor = chooseCompressor(ctx.settings, kernel.config, hostHas);
    const name = expandFilename(ctx.settings.INITRAMFS_FILENAME, { kv: kernel.version, arch: kernel.arch });
    const path = join(ctx.paths.tmp, name);
    const mibOf = (n: number) => (n / 1048576).toFixed(0);
    const written = await writeImage(image, path, {
      compressor,
      mtime: kernelImageMtime(kernel),
      segmentCache: { dir: join(ctx.paths.cache, 'segments') },
      early: ctx.earlyImage,
      onProgress: (done, total) => ctx.log.progress(`${compressor.name}: ${mibOf(done)}/${mibOf(total)} MiB`),
    });
    ctx.log.clearProgress();
    ctx.outputs.image = { path, bytes: written.bytes, compressor: `${compressor.name}${compressor.level ? ' -' + compressor.level : ''}`, moduleCount: ctx.modules?.modules.length ?? 0 };
    const mib = (n: number) => (n / 1048576).toFixed(1) + ' MiB';
    const reuse = written.cache ? `, ${written.cache.hits} of ${written.segments} segments from the cache${written.cache.rejected ? ` (${written.cache.rejected} damaged or untrusted, rebuilt)` : ''}` : '';
    return `${mib(written.bytes)} ${compressor.name} (${mib(written.uncompressedBytes)} unpacked${reuse})`;
  },
};
