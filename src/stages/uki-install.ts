import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Stage } from '../pipeline.js';
import { need } from '../context.js';
import { installAtomically, keepOutsideTemp } from '../install/atomic-install.js';
import { ukiRelativePath } from '../uki/esp.js';

/** --uki, last step: EFI/Linux/<os-id>-<KV>.efi on the ESP, atomically, keeping one .old. */
export const ukiInstallStage: Stage = {
  name: 'uki-install',
  commit: true,
  describe: 'install the UKI on the ESP as EFI/Linux/<os-id>-<KV>.efi, keeping the previous one as .old',
  enabled: (ctx) => ctx.settings.UKI && !ctx.dryRun,
  async run(ctx) {
    const kernel = need(ctx, 'kernel');
    const built = ctx.outputs.uki!;
    const plan = ctx.uki!;
    const { dir, name } = ukiRelativePath(plan.osId, kernel.version);
    if (!plan.esp) {
      const kept = await keepOutsideTemp(built.path, ctx.settings.TMPDIR, name);
      built.path = kept;
      return `not installed (--no-install): ${kept}`;
    }
    const target = join(plan.esp, dir);
    await mkdir(target, { recursive: true });
    built.installedAs = await installAtomically(built.path, target, name);
    return built.installedAs;
  },
};
