import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isGkError } from '../../src/errors.js';

/**
 * Small, seeded fuzzing for the parsers: mutate real inputs for a bounded time and accept only
 * success or a GkError. Every case has its own PRNG derived from (seed, case number), so a
 * failure is reproduced by `FUZZ_SEED=<seed> FUZZ_CASE=<n>` whatever the machine's speed; the
 * failing input is also written to a file whose path the assertion message names.
 */
export type Rng = () => number;

/** mulberry32: tiny, fast, good enough to drive mutations. */
export function prng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const int = (rng: Rng, n: number): number => Math.floor(rng() * n);
export const pick = <T>(rng: Rng, list: readonly T[]): T => list[int(rng, list.length)]!;

/** Byte-level mutations that find parser bugs: flips, interesting bytes, cuts, splices, repeats. */
export function mutateBytes(rng: Rng, input: Buffer, tokens: readonly Buffer[] = []): Buffer {
  let buf = Buffer.from(input);
  const rounds = 1 + int(rng, 4);
  for (let r = 0; r < rounds; r++) {
    const at = buf.length ? int(rng, buf.length) : 0;
    switch (int(rng, 9)) {
      case 0: // flip a bit
        if (buf.length) buf[at] = buf[at]! ^ (1 << int(rng, 8));
        break;
      case 1: // an interesting byte
        if (buf.length) buf[at] = pick(rng, [0, 0xff, 0x7f, 0x80, 0x0a, 0x20, 0x2f, 0x3a, 0x2e]);
        break;
      case 2: // truncate
        buf = buf.subarray(0, at);
        break;
      case 3: // delete a run
        buf = Buffer.concat([buf.subarray(0, at), buf.subarray(Math.min(buf.length, at + 1 + int(rng, 64)))]);
        break;
      case 4: // duplicate a run
        {
          const len = 1 + int(rng, 256);
          buf = Buffer.concat([buf.subarray(0, at), buf.subarray(at, at + len), buf.subarray(at)]);
        }
        break;
      case 5: // insert a token of the format
        if (tokens.length) buf = Buffer.concat([buf.subarray(0, at), pick(rng, tokens), buf.subarray(at)]);
        break;
      case 6: // random bytes
        {
          const junk = Buffer.alloc(1 + int(rng, 16));
          for (let i = 0; i < junk.length; i++) junk[i] = int(rng, 256);
          buf = Buffer.concat([buf.subarray(0, at), junk, buf.subarray(at)]);
        }
        break;
      case 7: // swap two runs (moves headers around)
        if (buf.length > 8) {
          const b = int(rng, buf.length);
          const len = 1 + int(rng, 32);
          const x = Buffer.from(buf.subarray(at, at + len));
          const y = Buffer.from(buf.subarray(b, b + len));
          x.copy(buf, b);
          y.copy(buf, at);
        }
        break;
      default: // overwrite with a token
        if (tokens.length) {
          const t = pick(rng, tokens);
          t.copy(buf, at, 0, Math.min(t.length, buf.length - at));
        }
    }
  }
  return buf;
}

export interface FuzzOptions {
  name: string;
  /** Wall-clock budget; the suite runs on 2 cores in CI, so a few seconds each. */
  ms: number;
  /** Upper bound on cases, so a fast machine does not spend the whole budget. */
  maxCases?: number;
  /** Produces case `i` from its own rng. */
  input(rng: Rng, i: number): Buffer;
  /** Runs the target; a resolved promise or a GkError are the acceptable outcomes. */
  target(input: Buffer): unknown;
  /** Extra checks on a GkError (e.g. it names a line). */
  checkError?(err: Error, input: Buffer): void;
}

export interface FuzzReport {
  cases: number;
  accepted: number;
  rejected: number;
}

export function baseSeed(): number {
  const s = process.env.FUZZ_SEED;
  return s && /^\d+$/.test(s) ? Number(s) : 20261127;
}

function saveFailure(name: string, seed: number, i: number, input: Buffer): string {
  const dir = join(tmpdir(), 'tsgk-fuzz-failures');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}-seed${seed}-case${i}.bin`);
  writeFileSync(file, input);
  return file;
}

/** Throws (failing the test) with a reproducible description on the first unacceptable outcome. */
export async function fuzz(o: FuzzOptions): Promise<FuzzReport> {
  const seed = baseSeed();
  const only = process.env.FUZZ_CASE && /^\d+$/.test(process.env.FUZZ_CASE) ? Number(process.env.FUZZ_CASE) : undefined;
  const report: FuzzReport = { cases: 0, accepted: 0, rejected: 0 };
  const deadline = Date.now() + o.ms;
  for (let i = only ?? 0; only !== undefined ? i === only : Date.now() < deadline && i < (o.maxCases ?? Infinity); i++) {
    const input = o.input(prng((seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0), i);
    report.cases++;
    try {
      await o.target(input);
      report.accepted++;
    } catch (err) {
      if (isGkError(err)) {
        report.rejected++;
        try {
          o.checkError?.(err, input);
        } catch (why) {
          const file = saveFailure(o.name, seed, i, input);
          throw new Error(`${o.name}: case ${i} (FUZZ_SEED=${seed} FUZZ_CASE=${i}, input in ${file}): GkError "${err.message}" fails its check: ${(why as Error).message}`);
        }
        continue;
      }
      const file = saveFailure(o.name, seed, i, input);
      throw new Error(`${o.name}: case ${i} (FUZZ_SEED=${seed} FUZZ_CASE=${i}, input in ${file}) threw a non-GkError: ${(err as Error)?.stack ?? String(err)}`);
    }
  }
  return report;
}
