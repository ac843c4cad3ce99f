import type { Stage } from '../pipeline.js';
import { report } from '../context.js';
import { GkError } from '../errors.js';
import { bootDirPreflight } from '../install/boot-dir-preflight.js';

/**
 * Everything about the boot dir that would make the last step fail, checked before the first:
 * it exists, this user may write it (say "run as root" now, not after a compile), it has the
 * free space asked for, no other run holds it. The same checks `tsgenkernel check` prints.
 */
export const preflightStage: Stage = {
  name: 'preflight',
  describe: 'check the boot dir exists, is writable and has the requested free space',
  enabled: (ctx) => ctx.settings.INSTALL && !ctx.dryRun,
  async run(ctx) {
    const findings = await bootDirPreflight(ctx);
    const failed = findings.find((f) => f.status === 'FAIL');
    if (failed) throw new GkError(failed.text, failed.hint);
    for (const f of findings) if (f.status === 'warn') report(ctx, { text: f.text, hint: f.hint });
    return findings.find((f) => f.name === 'free space')?.text;
  },
};
