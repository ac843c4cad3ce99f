import { GkError } from '../errors.js';
import { buildPrereqs, describePrereq, missingBuildPrereqs } from '../kernel/build-prereqs.js';
import { hostMachine } from '../kernel/kernel-version.js';
import { startingConfig } from '../kernel/starting-config.js';
import type { Stage } from '../pipeline.js';

/** The compiler kernel make uses when none is given: $(CROSS_COMPILE)gcc, plain gcc here. */
const KERNEL_COMPILER = 'gcc';

/**
 * Before configure: every program and header the kernel build will need, judged on the config it
 * starts from. Also in --dry-run, where it is the answer to "would this build get anywhere".
 */
export const kernelPrerequisitesStage: Stage = {
  name: 'kernel-prerequisites',
  describe: 'check that the host has what a kernel build needs (compiler, make, bc, flex, bison, perl, headers)',
  enabled: () => true,
  async run(ctx) {
    const start = await startingConfig(ctx.settings);
    const wanted = buildPrereqs(KERNEL_COMPILER, start.config, hostMachine());
    const missing = await missingBuildPrereqs(wanted, KERNEL_COMPILER);
    if (missing.length > 0) {
      throw new GkError(
        `the kernel build needs what this host lacks: ${missing.map(describePrereq).join('; ')}`,
        `install ${missing.length > 1 ? 'them' : 'it'} (Debian: apt-get install ${missing.map((m) => m.debian.split(' ')[0]).join(' ')}), then run again`,
      );
    }
    return `${wanted.map((p) => p.name).join(', ')} present`;
  },
};
