/**
 * Reads the per-stage lines `tsgenkernel --loglevel=2` prints (Logger.stage: the name padded to
 * 22 columns, seconds with two decimals and an "s", then an optional detail).
 */
export interface StageLine {
  name: string;
  ms: number;
  detail: string;
}

const STAGE_LINE = /^(?:\* )?(\S(?:.{0,20}\S)?)\s+(\d+\.\d\d)s(?: {2}(.*))?$/;

export function stageLines(output: string): StageLine[] {
  const out: StageLine[] = [];
  for (const raw of output.split(/\r?\n/)) {
    const m = STAGE_LINE.exec(raw.trimEnd());
    if (m) out.push({ name: m[1]!, ms: Math.round(Number(m[2]) * 1000), detail: m[3] ?? '' });
  }
  return out;
}

export interface StartupSplit {
  startupMs: number;
  stagesMs: number;
  restMs: number;
}

/** run-build's `timing:` line (--loglevel=2): start-up and stage sum; the rest of the wall is exit. */
export function startupSplit(output: string, wallMs: number): StartupSplit | undefined {
  const m = /timing: start-up=(\d+)ms stages=(\d+)ms/.exec(output);
  if (!m) return undefined;
  const startupMs = Number(m[1]);
  const stagesMs = Number(m[2]);
  return { startupMs, stagesMs, restMs: Math.max(0, wallMs - startupMs - stagesMs) };
}
