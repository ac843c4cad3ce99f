import type { CommandName } from '../context.js';
import { createBuildContext } from './build-context.js';
import { runPipeline, runCleanups } from '../pipeline.js';
import { dryRunStagesFor, stagesFor } from '../pipelines.js';
import { cliInput } from './options.js';
import { printPlan } from './plan.js';
import { holdBootDir } from '../install/hold-boot-dir.js';
import { clearToolCache } from '../gkbuild/index.js';
import { warnUntrustedInputs } from '../trust/inputs.js';

/** Runs one build command end to end and prints its summary. */
export async function runBuild(command: CommandName, opts: Record<string, unknown>): Promise<void> {
  const started = performance.now();
  const ctx = await createBuildContext(command, cliInput(opts));
  try {
    holdBootDir(ctx);
    warnUntrustedInputs(ctx);
    // performance.now() counts from process start: what came before the first stage is start-up.
    const startupMs = performance.now();
    const timings = await runPipeline(ctx, ctx.dryRun ? dryRunStagesFor(command) : stagesFor(command, { kernelSources: ctx.settings.KERNEL_SOURCES }));
    const stagesMs = timings.reduce((n, t) => n + t.ms, 0);
    ctx.log.debug(`timing: start-up=${Math.round(startupMs)}ms stages=${Math.round(stagesMs)}ms`, 2);
  } finally {
    await runCleanups(ctx);
  }
  if (ctx.dryRun) {
    printPlan(ctx);
    return;
  }
  if (ctx.settings.POSTCLEAR) {
    // genkernel's --postclear: the tool cache goes too once the run has succeeded.
    clearToolCache(ctx);
    ctx.log.info(`cleared the tool cache in ${ctx.paths.cache} (--postclear)`, 2);
  }
  const secs = ((performance.now() - started) / 1000).toFixed(1);
  const img = ctx.outputs.image;
  if (ctx.outputs.kernelImage) ctx.log.info(`kernel: ${ctx.outputs.kernelImage}`);
  const uki = ctx.outputs.uki;
  if (uki) ctx.log.info(`uki: ${uki.installedAs ?? uki.path} (${(uki.bytes / 1048576).toFixed(1)} MiB${uki.signed ? ', signed' : ''})`);
  if (img) {
    const mib = (img.bytes / 1048576).toFixed(1);
    ctx.log.info(`initramfs: ${img.installedAs ?? img.path} (${mib} MiB, ${img.compressor}, ${img.moduleCount} modules) in ${secs}s`);
  } else {
    ctx.log.info(`done in ${secs}s`);
  }
}
