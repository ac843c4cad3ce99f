import { existsSync, rmSync } from 'node:fs';
import type { BuildContext } from './context.js';
import { stopRunning } from './exec.js';

/**
 * A stage does one step of a build. It reads facts earlier stages put in the context and adds
 * its own. `run` may return a short detail for its line of output ("42 modules", "3.1 MiB").
 */
export interface Stage {
  readonly name: string;
  readonly describe: string;
  enabled(ctx: BuildContext): boolean;
  run(ctx: BuildContext): Promise<string | void>;
  /**
   * Set on the stages that move finished results into place (install). An interrupt that arrives
   * while one runs waits for it to finish, so the boot dir gets the whole new set or none of it;
   * every other stage is abandoned at once (its results only exist in the temp dir).
   */
  readonly commit?: boolean;
}

export interface StageTiming {
  name: string;
  ms: number;
  skipped: boolean;
}

/**
 * Runs stages in order with one timed line each. On any failure, and on SIGINT/SIGTERM, the
 * registered cleanups run (newest first) before the error propagates, so a failed run leaves
 * nothing behind in the boot dir or the module tree. An interrupt during a commit stage is
 * deferred until that stage is done; during any other stage the run stops at once.
 */
export async function runPipeline(ctx: BuildContext, stages: readonly Stage[]): Promise<StageTiming[]> {
  const timings: StageTiming[] = [];
  let interrupted: NodeJS.Signals | undefined;
  let current: Stage | undefined;
  const exitCode = (sig: NodeJS.Signals) => (sig === 'SIGINT' ? 130 : 143);
  const stopNow = (sig: NodeJS.Signals) => {
    ctx.log.clearProgress();
    // The abandoned stage keeps running until we exit, and fails as its files vanish (a stream
    // 'error' nobody listens to, a rejected promise): that must not kill us mid-cleanup.
    process.on('uncaughtException', ignore);
    process.on('unhandledRejection', ignore);
    void (async () => {
      // Programs the stage started (depmod, make) end first: they would write on under the cleanup.
      await stopRunning();
      await runCleanups(ctx);
      // From here to exit nothing yields, so the abandoned stage cannot queue another write.
      for (const path of ctx.scratchPaths) removeSettled(path);
      if (ctx.paths.tmp && ctx.settings.CLEANUP) removeSettled(ctx.paths.tmp);
      process.stderr.write(`tsgenkernel: interrupted (${sig}) during ${current?.name ?? 'startup'}; temporary files removed, nothing installed\n`);
      process.exit(exitCode(sig));
    })();
  };
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupted) return; // already stopping; a second Ctrl-C must not cut the cleanup short
    interrupted = sig;
    if (current && isCommit(current)) {
      ctx.log.warn(`${sig}: letting '${current.name}' finish so the boot dir is not left half-updated`);
      return;
    }
    stopNow(sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    for (const stage of stages) {
      if (interrupted) break;
      if (!stage.enabled(ctx)) {
        timings.push({ name: stage.name, ms: 0, skipped: true });
        ctx.log.debug(`${stage.name}: skipped`, 3);
        continue;
      }
      current = stage;
      const start = performance.now();
      const detail = await stage.run(ctx);
      const ms = performance.now() - start;
      timings.push({ name: stage.name, ms, skipped: false });
      ctx.log.stage(stage.name, ms, detail ?? '');
      if (interrupted && isCommit(stage)) {
        // The deferred interrupt: the commit finished, the rest of the run does not happen.
        await runCleanups(ctx);
        process.stderr.write(`tsgenkernel: interrupted (${interrupted}) after ${stage.name} completed; stopping\n`);
        process.exit(exitCode(interrupted));
      }
    }
  } catch (err) {
    // A stage abandoned by an interrupt fails when its temp dir vanishes under it; that failure
    // is noise: stopNow() is already cleaning up and will exit with the signal's code.
    if (interrupted && !(current && isCommit(current))) await new Promise(() => undefined);
    await runCleanups(ctx);
    throw err;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  return timings;
}

/** Stages that move results into the boot dir or the module tree say so with `commit: true`. */
export function isCommit(stage: Stage): boolean {
  return stage.commit === true;
}

const ignore = (): void => undefined;

/**
 * Removes `dir` for good while an abandoned stage may still have writes in flight on libuv's
 * thread pool (a mkdir -p that recreates the tree after the first removal). The main thread is
 * blocked throughout, so no new write can be queued: after a short wait every write in flight
 * has landed, and one more removal leaves nothing.
 */
export function removeSettled(dir: string): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; i < 5; i++) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
    } catch {
      // a file vanishing under us (ENOTEMPTY races) is retried next round
    }
    Atomics.wait(pause, 0, 0, 30);
    if (!existsSync(dir)) return;
  }
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
