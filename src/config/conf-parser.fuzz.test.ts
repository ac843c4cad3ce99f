import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseConf } from './conf-parser.js';
import { defaultsPath, resolveSettings } from './settings.js';
import { fuzz, int, mutateBytes, pick, type Rng } from '../../test/faults/fuzz-kit.js';

/**
 * genkernel.conf is hand-edited by users: whatever they write, the reader either loads it or
 * stops with a GkError naming the file and a line that exists. Seeded; see test/faults/fuzz-kit.ts.
 */
const REAL = readFileSync(defaultsPath('genkernel.conf'));
const TOKENS = ['"', "'", '$', '${', '${X}', '$(', ')', '`', '\\', '\\\n', '\n', '#', '=', ';', ' ', 'export ', 'MAKEOPTS=', '"$(portageq envvar MAKEOPTS)"', 'KEY="a b"', '|', '&', '<', '>', '(', '}', '\t', 'LUKS=yes', 'LOGLEVEL=x'].map((t) => Buffer.from(t));

/** Random assignment-ish lines, the shapes real conf files have plus broken ones. */
function synthetic(rng: Rng): Buffer {
  const lines: string[] = [];
  const n = 1 + int(rng, 30);
  for (let i = 0; i < n; i++) {
    const key = pick(rng, ['LUKS', 'MAKEOPTS', 'KERNEL_DIR', 'MODULES_CRYPTO', 'AMODULES_x', 'LOGLEVEL', '_x9', '9BAD', '', 'export LVM']);
    const value = Array.from({ length: int(rng, 6) }, () => pick(rng, ['"', "'", 'yes', '$KERNEL_DIR', '${CACHE_DIR}', '$(x)', '`x`', '\\', ' ', '#c', 'a\nb', 'ä', '\u0000', ';', '"q q"', "'s s'"])).join('');
    lines.push(pick(rng, [`${key}=${value}`, `${key}="${value}"`, `${key}='${value}'`, `# ${value}`, value, `  ${key}=${value} # c`]));
  }
  return Buffer.from(lines.join(pick(rng, ['\n', '\r\n', ';'])));
}

function lineCount(text: string): number {
  return text.split('\n').length;
}

describe('genkernel.conf reader under fuzzing', () => {
  it('loads or names a real line, for mutated stock confs and random ones', async () => {
    const report = await fuzz({
      name: 'conf-parser',
      ms: 2500,
      maxCases: 20000,
      input: (rng) => (rng() < 0.5 ? mutateBytes(rng, REAL, TOKENS) : synthetic(rng)),
      target: (input) => parseConf(input.toString('utf8'), 'fuzz.conf', { HOME: '/root' }),
      checkError(err, input) {
        const m = /^fuzz\.conf:(\d+): /.exec(err.message);
        expect(m, err.message).not.toBeNull();
        const n = Number(m![1]);
        expect(n).toBeGreaterThanOrEqual(1);
        expect(n).toBeLessThanOrEqual(lineCount(input.toString('utf8')));
      },
    });
    // Both outcomes must be exercised, or the mutations are not reaching the parser's branches.
    expect(report.accepted).toBeGreaterThan(20);
    expect(report.rejected).toBeGreaterThan(20);
  });

  it('turns any parsed conf into settings or a GkError (bad yes/no, numbers, choices)', async () => {
    const report = await fuzz({
      name: 'conf-settings',
      ms: 1500,
      maxCases: 3000,
      input: (rng) => (rng() < 0.5 ? mutateBytes(rng, REAL, TOKENS) : synthetic(rng)),
      target: (input) => resolveSettings({ confText: input.toString('utf8'), confPath: 'fuzz.conf', cli: {}, env: {} }),
    });
    expect(report.cases).toBeGreaterThan(50);
  });
});
