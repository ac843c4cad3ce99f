import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { need } from '../context.js';
import { GkError } from '../errors.js';
import type { Stage } from '../pipeline.js';
import { installAtomically, installSymlink } from '../install/atomic-install.js';
import { writeB2sum } from '../install/b2sum.js';
import { expandFilename } from '../install/filenames.js';
import { installBootFiles } from '../kernel/boot-files.js';
import { SYSTEM_CONFIG_LOCATIONS } from '../kernel/config-source.js';

export interface KernelInstallDeps {
  /** Where --save-config writes kernel-config-KV (/etc/kernels). */
  etcKernelsDir?: string;
}

/**
 * Install: vmlinuz-KV, System.map-KV and config-KV into the boot dir as one unit (each keeps a
 * .old generation; a failure restores the previous set), the kernel symlink with --symlink, and
 * the config in /etc/kernels with --save-config. Runs only after a successful compile, so the
 * boot dir is untouched by a failed build.
 */
export function createKernelInstallStage(deps: KernelInstallDeps = {}): Stage {
  const etcKernels = deps.etcKernelsDir ?? SYSTEM_CONFIG_LOCATIONS.etcKernelsDir;
  return {
    name: 'kernel-install',
    commit: true,
    describe: 'install the kernel image, System.map and config into the boot dir',
    enabled: (ctx) => ctx.settings.INSTALL && !ctx.dryRun,
    async run(ctx) {
      const kernel = need(ctx, 'kernel');
      const { kernelImage, systemMap } = ctx.outputs;
      if (!kernelImage || !systemMap) throw new Error('internal: kernel-install needs the kernel-compile stage before it');
      const s = ctx.settings;
      const facts = { kv: kernel.version, arch: kernel.arch };
      const names = {
        kernel: expandFilename(s.KERNEL_FILENAME, facts),
        systemMap: expandFilename(s.SYSTEMMAP_FILENAME, facts),
        config: `config-${kernel.version}`,
      };
      for (const n of Object.values(names)) {
        if (!n || n.includes('/')) throw new GkError(`boot file name '${n}' is not a plain file name`, 'set KERNEL_FILENAME / SYSTEMMAP_FILENAME to names without /');
      }
      const bootdir = ctx.paths.bootdir;
      await mkdir(bootdir, { recursive: true });
      await installBootFiles(bootdir, [
        { source: kernelImage, name: names.kernel },
        { source: systemMap, name: names.systemMap },
        { source: kernel.configPath, name: names.config },
      ]);
      if (s.B2SUM) for (const n of Object.values(names)) await writeB2sum(join(bootdir, n));
      ctx.outputs.kernelImage = join(bootdir, names.kernel);
      ctx.outputs.systemMap = join(bootdir, names.systemMap);

      if (s.SYMLINK && s.KERNEL_SYMLINK_NAME) await installSymlink(bootdir, s.KERNEL_SYMLINK_NAME, names.kernel);
      if (s.SYMLINK && s.SYSTEMMAP_SYMLINK_NAME) await installSymlink(bootdir, s.SYSTEMMAP_SYMLINK_NAME, names.systemMap);
      if (s.SAVE_CONFIG) {
        await mkdir(etcKernels, { recursive: true });
        const saved = await installAtomically(kernel.configPath, etcKernels, expandFilename(s.KERNEL_CONFIG_FILENAME || 'kernel-config-%%KV%%', facts));
        ctx.log.info(`kernel config saved as ${saved}`, 2);
      }
      return `${basename(ctx.outputs.kernelImage)} in ${bootdir}`;
    },
  };
}

export const kernelInstallStage = createKernelInstallStage();
