import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { GkError } from '../errors.js';
import { parseBuiltinModinfo } from './builtin-modinfo.js';
import { fnmatch } from './fnmatch.js';
import { parseKmodVersion } from './host-kmod.js';
import { AliasTable, parseModulesAlias } from './modules-alias.js';
import { parseModulesBuiltin } from './modules-builtin.js';
import { parseModulesDep } from './modules-dep.js';
import { parseSoftdeps } from './softdep.js';
import { TEST_MODULE_DIR } from '../../test/debian-kernel.js';

const DIR = TEST_MODULE_DIR;

/** Real index text, cut and spliced at random places with random structural characters. */
function mutations(seedText: string, count: number, seed: number): string[] {
  let s = seed;
  const rnd = (n: number) => ((s = (s * 1103515245 + 12345) & 0x7fffffff) % Math.max(1, n));
  const junk = [':', ' ', '\n', '\0', '\\', '[', ']', '*', '?', 'pre:', 'post:', '=', '.', '..', '/', '#', '\t', 'alias', 'softdep', '.ko', '\u00ff', '\r'];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const start = rnd(seedText.length);
    let t = seedText.slice(start, start + 1 + rnd(400));
    for (let k = rnd(6); k >= 0; k--) {
      const at = rnd(t.length + 1);
      t = t.slice(0, at) + junk[rnd(junk.length)] + t.slice(at + rnd(3));
    }
    out.push(t);
  }
  return out;
}

const onlyGkErrors = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof GkError)) throw e;
  }
};

describe('index parsers on damaged input', () => {
  const cases: Array<[string, string, (t: string) => unknown]> = [
    ['modules.dep', readFileSync(`${DIR}/modules.dep`, 'utf8'), (t) => parseModulesDep(t)],
    ['modules.alias', readFileSync(`${DIR}/modules.alias`, 'utf8'), (t) => new AliasTable(parseModulesAlias(t)).lookup(t.slice(0, 30))],
    ['modules.softdep', readFileSync(`${DIR}/modules.softdep`, 'utf8'), (t) => parseSoftdeps(t, 'f')],
    ['modules.builtin', readFileSync(`${DIR}/modules.builtin`, 'utf8'), (t) => parseModulesBuiltin(t)],
    ['modules.builtin.modinfo', readFileSync(`${DIR}/modules.builtin.modinfo`, 'utf8'), (t) => parseBuiltinModinfo(t)],
    ['kmod --version', 'kmod version 30\n+ZSTD +XZ -ZLIB +LIBCRYPTO -EXPERIMENTAL\n', (t) => parseKmodVersion(t)],
    ['fnmatch', readFileSync(`${DIR}/modules.alias`, 'utf8'), (t) => fnmatch(t.slice(0, 40), t.slice(40, 80))],
  ];
  it.each(cases)('%s: a result or a GkError, never anything else', (_name, text, parse) => {
    for (const t of mutations(text, 3000, text.length)) onlyGkErrors(() => parse(t));
  });

  it('error messages stay one printable line', () => {
    let err: GkError | undefined;
    try {
      parseModulesDep('kernel/a.ko\u0000\u001b[31m' + 'x'.repeat(500));
    } catch (e) {
      err = e as GkError;
    }
    expect(err?.message).not.toMatch(/[\x00-\x1f]/);
    expect(err!.message.length).toBeLessThan(200);
  });
});
