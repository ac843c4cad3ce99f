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
