import { basename, dirname } from 'node:path';
import { GkError } from '../errors.js';
import { buildPrereqs, describePrereq, missingBuildPrereqs } from '../kernel/build-prereqs.js';
import { hostMachine } from '../kernel/kernel-version.js';
import { startingConfig } from '../kernel/starting-config.js';
import type { Stage } from '../pipeline.js';
import { kernelArchOf, kernelToolchain } from '../kernel/toolchain.js';
import { findHostTool } from '../path-lookup.js';
import { integratesInitramfs, refuseIntegratedConflicts } from '../kernel/integrated-initramfs.js';

/**
 * Before configure: every program and header the kernel build will need, judged on the config it
 * starts from. Also in --dry-run, where it is the answer to "would this build get anywhere".
 */
export const kernelPrerequisitesStage: Stage = {
  name: 'kernel-prerequisites',
  describe: 'check that the host has what a kernel build needs (compiler, make, bc, flex, bison, perl, headers)',
  enabled: () => true,
  async run(ctx) {
    const tc = kernelToolchain(ctx.settings);
    // The initramfs of `all` runs this machine's static tools: it cannot go with a kernel for another arch.
    if (tc.cross && ctx.command === 'all' && tc.cross.arch !== kernelArchOf(hostMachine())) {
      throw new GkError(
        `--cross-compile=${tc.cross.prefix} builds a kernel for ARCH=${tc.cross.arch}, but the initramfs of 'all' is built from this machine's tools`,
        `build the kernel with 'tsgenkernel kernel --cross-compile=...' (or bzImage), and the initramfs on a machine of that architecture`,
      );
    }
    if (integratesInitramfs(ctx)) refuseIntegratedConflicts(ctx.settings);
    const absent: string[] = [];
    for (const p of tc.programs) if (!(await onPath(p))) absent.push(p);
    if (absent.length > 0) {
      throw new GkError(`the kernel toolchain names programs this host lacks: ${absent.join(', ')}`, 'install them, or correct --kernel-cc/--kernel-make/--cross-compile (KERNEL_* in genkernel.conf)');
    }
    const start = await startingConfig(ctx.settings);
    const wanted = buildPrereqs(tc.compiler, start.config, hostMachine());
    const missing = await missingBuildPrereqs(wanted, tc.compiler);
    if (missing.length > 0) {
      throw new GkError(
        `the kernel build needs what this host lacks: ${missing.map(describePrereq).join('; ')}`,
        `install ${missing.length > 1 ? 'them' : 'it'} (Debian: apt-get install ${missing.map((m) => m.debian.split(' ')[0]).join(' ')}), then run again`,
      );
    }
    return `${wanted.map((p) => p.name).join(', ')} present`;
  },
};

/** A program as make will run it: a path as given, a bare name from PATH. */
async function onPath(program: string): Promise<boolean> {
  if (program.includes('/')) return (await findHostTool(basename(program), [dirname(program)])) !== undefined;
  return (await findHostTool(program, (process.env.PATH ?? '').split(':').filter(Boolean))) !== undefined;
}

