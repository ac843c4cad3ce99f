import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BuildContext } from '../context.js';
import { need } from '../context.js';
import { GkError } from '../errors.js';
import { expandFilename } from '../install/filenames.js';
import type { Stage } from '../pipeline.js';
import { writeTarArchive, type TarMember } from '../package/tar-archive.js';
import { treeMembers } from '../package/tree-members.js';

/** The archives this run was asked for, as absolute paths. */
export function wantedArchives(ctx: BuildContext): string[] {
  return [ctx.settings.MINKERNPACKAGE, ctx.settings.MODULESPACKAGE].filter(Boolean).map((p) => resolve(p));
}

const fileExists = (p: string) => stat(p).then((s) => s.isFile(), () => false);

/** The kernel image and System.map: this run's build, else the installed kernel's (initramfs for --kernel-version). */
async function kernelFiles(ctx: BuildContext): Promise<{ image: string; systemMap?: string }> {
  const kernel = need(ctx, 'kernel');
  if (ctx.outputs.kernelImage) return { image: ctx.outputs.kernelImage, systemMap: ctx.outputs.systemMap };
  const facts = { kv: kernel.version, arch: kernel.arch };
  const look = async (template: string, fallback: string) => {
    const candidates = [join(ctx.paths.bootdir, expandFilename(template, facts)), fallback];
    for (const c of candidates) if (await fileExists(c)) return c;
    return undefined;
  };
  const image = await look(ctx.settings.KERNEL_FILENAME, `/boot/vmlinuz-${kernel.version}`);
  if (!image) {
    throw new GkError(
      `--minkernpackage: no kernel image for ${kernel.version} in ${ctx.paths.bootdir} or /boot`,
      'install the kernel first, or build it with `tsgenkernel all --minkernpackage=...`',
    );
  }
  return { image, systemMap: await look(ctx.settings.SYSTEMMAP_FILENAME, `/boot/System.map-${kernel.version}`) };
}

/**
 * genkernel's minkernpackage: kernel-ARCH-KV, System.map-ARCH-KV, config-ARCH-KV and
 * initramfs-ARCH-KV side by side at the top of the archive (its "temp" names, see gen_package.sh).
 */
async function minkernMembers(ctx: BuildContext): Promise<TarMember[]> {
  const kernel = need(ctx, 'kernel');
  const suffix = `${kernel.arch}-${kernel.version}`;
  const files = await kernelFiles(ctx);
  const parts: Array<[string, string | undefined]> = [
    [`kernel-${suffix}`, files.image],
    [`System.map-${suffix}`, files.systemMap],
    [`config-${suffix}`, kernel.configPath],
    [`initramfs-${suffix}`, ctx.outputs.image?.path],
  ];
  const members: TarMember[] = [];
  for (const [name, source] of parts) {
    if (!source) continue;
    const st = await stat(source);
    members.push({ name, type: 'file', mode: 0o644, source, size: st.size, mtime: Math.floor(st.mtimeMs / 1000) });
  }
  return members;
}

const MiB = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;

/**
 * Writes the archives after everything they hold exists (the image assembled, the module tree
 * installed and depmod'ed) and before the boot dir is touched: a failure here installs nothing.
 */
export const packagesStage: Stage = {
  name: 'packages',
  describe: 'write --minkernpackage and --modulespackage archives',
  enabled: (ctx) => wantedArchives(ctx).length > 0 && !ctx.dryRun,
  async run(ctx) {
    const kernel = need(ctx, 'kernel');
    const s = ctx.settings;
    const done: string[] = [];
    if (s.MINKERNPACKAGE) {
      const dest = resolve(s.MINKERNPACKAGE);
      const bytes = await writeTarArchive(dest, await minkernMembers(ctx), { scratch: ctx.scratchPaths });
      ctx.log.info(`minimal kernel package: ${dest} (${MiB(bytes)})`, 2);
      done.push(`minkernpackage ${MiB(bytes)}`);
    }
    if (s.MODULESPACKAGE) {
      const dest = resolve(s.MODULESPACKAGE);
      const st = await stat(kernel.moduleDir).catch(() => undefined);
      if (!st?.isDirectory()) {
        ctx.log.warn(`no module tree at ${kernel.moduleDir}: no modules package written`);
      } else {
        const bytes = await writeTarArchive(dest, treeMembers(kernel.moduleDir, `lib/modules/${kernel.version}`), { scratch: ctx.scratchPaths });
        ctx.log.info(`modules package: ${dest} (${MiB(bytes)})`, 2);
        done.push(`modulespackage ${MiB(bytes)}`);
      }
    }
    return done.join(', ');
  },
};
