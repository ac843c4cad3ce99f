import type { BuildContext } from './context.js';

/**
 * A stage does one step of a build. It reads facts earlier stages put in the context and adds
 * its own. `run` may return a short detail for its line of output ("42 modules", "3.1 MiB").
 */
export interface Stage {
  readonly name: string;
  readonly describe: string;
  enabled(ctx: BuildContext): boolean;
  run(ctx: BuildContext): Promise<string | void>;
}

export interface StageTiming {
  name: string;
  ms: number;
  skipped: boolean;
}

/**
 * Runs stages in order with one timed line each. On any failure, and on SIGINT/SIGTERM, the
 * registered cleanups run (newest first) before the error propagates, so a failed run leaves
 * nothing behind in the boot dir or the module tree.
 */
export async function runPipeline(ctx: BuildContext, stages: readonly Stage[]): Promise<StageTiming[]> {
  const timings: StageTiming[] = [];
  let interrupted: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupted = sig;
    // Cleanup is async; run it, then exit with the conventional 128+signal code.
    void runCleanups(ctx).finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    for (const stage of stages) {
      if (interrupted) break;
      if (!stage.enabled(ctx)) {
        timings.push({ name: stage.name, ms: 0, skipped: true });
        ctx.log.debug(`${stage.name}: skipped`, 3);
        continue;
      }
      const start = performance.now();
      const detail = await stage.run(ctx);
      const ms = performance.now() - start;
      timings.push({ name: stage.name, ms, skipped: false });
      ctx.log.stage(stage.name, ms, detail ?? '');
    }
  } catch (err) {
    await runCleanups(ctx);
    throw err;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  return timings;
}

export async function runCleanups(ctx: BuildContext): Promise<void> {
  while (ctx.cleanups.length > 0) {
    const undo = ctx.cleanups.pop();
    try {
      await undo?.();
    } catch (err) {
      ctx.log.debug(`cleanup failed: ${String(err)}`, 3);
    }
  }
}
