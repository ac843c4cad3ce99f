import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseModulesDep } from './modules-dep.js';
import { AliasTable, parseModulesAlias } from './modules-alias.js';
import { parseSoftdeps } from './softdep.js';
import { REAL_MODULE_DIR } from './test-fixtures.js';
import { fuzz, int, mutateBytes, pick, type Rng } from '../../test/faults/fuzz-kit.js';

/**
 * The module index parsers read files a broken depmod, a foreign tree or a tamperer may have
 * written. Fed windows of the real Debian 6.1 indexes, mutated, they must parse or stop with a
 * GkError that names the file and a line that exists. Seeded; see test/faults/fuzz-kit.ts.
 */
const read = (name: string) => readFileSync(`${REAL_MODULE_DIR}/${name}`, 'utf8').split('\n');
const DEP = read('modules.dep');
const ALIAS = read('modules.alias');
const SOFTDEP = read('modules.softdep');

const DEP_TOKENS = [':', ' ', '\n', '.ko', '.ko.zst', '.ko.xz', '.ko.gz', '../', '/', 'kernel/', '\t', '#', '\u0000', 'ä'].map((t) => Buffer.from(t));
const ALIAS_TOKENS = ['alias ', ' ', '\n', '*', '?', '[', ']', '[!', '[^a-z]', '[[:alpha:]]', '[:', '\\', '-', '_', 'pci:v', '#'].map((t) => Buffer.from(t));
const SOFTDEP_TOKENS = ['softdep ', 'pre:', 'post:', ' ', '\n', '\\\n', '\\', '#', 'crc32c', 'options ', 'blacklist '].map((t) => Buffer.from(t));

/** A run of consecutive real lines: mutations then hit a realistic neighbourhood, cheaply. */
function window(rng: Rng, lines: readonly string[], max = 120): Buffer {
  const start = int(rng, lines.length);
  return Buffer.from(lines.slice(start, start + 1 + int(rng, max)).join('\n') + '\n');
}

function namesRealLine(file: string) {
  return (err: Error, input: Buffer) => {
    const m = new RegExp(`^${file.replace(/\./g, '\\.')}:(\\d+): `).exec(err.message);
    expect(m, err.message).not.toBeNull();
    expect(Number(m![1])).toBeLessThanOrEqual(input.toString('utf8').split('\n').length);
    // One line: the CLI prints it as is. (Control bytes other than line breaks can still slip
    // through in modules.dep's "dependency ... of PATH" message: reported to the kmod owner.)
    expect(err.message).not.toMatch(/[\n\r]/);
  };
}

describe('module index parsers under fuzzing', () => {
  it('modules.dep: parses or names the bad line', async () => {
    const report = await fuzz({
      name: 'modules-dep',
      ms: 2000,
      maxCases: 8000,
      input: (rng) => mutateBytes(rng, window(rng, DEP), DEP_TOKENS),
      target: (input) => parseModulesDep(input.toString('utf8'), 'fuzz.dep'),
      checkError: namesRealLine('fuzz.dep'),
    });
    expect(report.accepted).toBeGreaterThan(10);
    expect(report.rejected).toBeGreaterThan(10);
  });

  it('modules.alias: parses, and lookups through mutated glob patterns never throw', async () => {
    const queries = ['crypto-crc32c', 'fs-ext4', 'pci:v00001AF4d00001001sv00001AF4sd00000002bc01sc00i00', 'virtio:d00000002v00001AF4', 'usb:v13FDp3940d0100dc00dsc00dp00ic08isc06ip50in00', ''];
    const report = await fuzz({
      name: 'modules-alias',
      ms: 2000,
      maxCases: 8000,
      input: (rng) => mutateBytes(rng, window(rng, ALIAS, 60), ALIAS_TOKENS),
      target: (input) => {
        const table = new AliasTable(parseModulesAlias(input.toString('utf8'), 'fuzz.alias'));
        // Query with the patterns themselves too: a glob's own text must be matchable without a RegExp error.
        for (const q of [...queries, ...input.toString('utf8').split(/\s+/).slice(0, 20)]) table.lookup(q);
      },
      checkError: namesRealLine('fuzz.alias'),
    });
    expect(report.accepted).toBeGreaterThan(10);
    expect(report.rejected).toBeGreaterThan(10);
  });

  it('modules.softdep and modprobe.d: parses or names the bad line', async () => {
    const report = await fuzz({
      name: 'softdep',
      ms: 1500,
      maxCases: 8000,
      input: (rng) => {
        const base = rng() < 0.7 ? window(rng, SOFTDEP, 40) : Buffer.from(pick(rng, ['softdep a pre: b post: c\n', 'options x y=1\nsoftdep ext4 pre: crc32c \\\n post: z\n', 'softdep\n']));
        return mutateBytes(rng, base, SOFTDEP_TOKENS);
      },
      target: (input) => parseSoftdeps(input.toString('utf8'), 'fuzz.softdep'),
      checkError: namesRealLine('fuzz.softdep'),
    });
    expect(report.cases).toBeGreaterThan(100);
  });
});
