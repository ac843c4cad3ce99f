import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { GkError } from '../errors.js';
import { builtinValues, loadBuiltinModinfo, parseBuiltinModinfo } from './builtin-modinfo.js';
import { loadModulesBuiltin, parseModulesBuiltin } from './modules-builtin.js';
import { TEST_MODULE_DIR } from '../../test/debian-kernel.js';

const DIR = TEST_MODULE_DIR;

describe('modules.builtin', () => {
  it('reads the real list, names normalised', async () => {
    const names = await loadModulesBuiltin(DIR);
    expect(names.size).toBe(readFileSync(`${DIR}/modules.builtin`, 'utf8').trim().split('\n').length);
    // Debian builds the unix socket and the ext4-less basics in; check two that are there.
    const first = readFileSync(`${DIR}/modules.builtin`, 'utf8').split('\n')[0]!;
    expect(names.has(first.split('/').pop()!.replace('.ko', '').replace(/-/g, '_'))).toBe(true);
    expect([...names].some((n) => n.includes('-'))).toBe(false);
  });

  it.each(['kernel/a.o', 'kernel/a b.ko'])('refuses %j', (bad) => {
    expect(() => parseModulesBuiltin(`kernel/x.ko\n${bad}\n`, 'B')).toThrow(GkError);
    expect(() => parseModulesBuiltin(`kernel/x.ko\n${bad}\n`, 'B')).toThrow(/^B:2:/);
  });
});

describe('modules.builtin.modinfo', () => {
  it('reads the real file: keys per builtin module, repeated keys kept', async () => {
    const info = await loadBuiltinModinfo(DIR);
    const raw = readFileSync(`${DIR}/modules.builtin.modinfo`, 'utf8').split('\0').filter((r) => r !== '');
    let count = 0;
    for (const keys of info.values()) for (const v of keys.values()) count += v.length;
    expect(count).toBe(raw.length);
    expect(info.get('amd_uncore')?.get('description')).toEqual(['AMD Uncore Driver']);
    expect(builtinValues(info, 'alias')).toContainEqual({ module: 'tracefs', value: 'fs-tracefs' });
  });

  it('keeps dots and equals signs inside values', () => {
    const info = parseBuiltinModinfo('a-b.parm=x:y=1.5 z\0a-b.firmware=amd/f.bin\0');
    expect(info.get('a_b')?.get('parm')).toEqual(['x:y=1.5 z']);
    expect(builtinValues(info, 'firmware')).toEqual([{ module: 'a_b', value: 'amd/f.bin' }]);
  });

  it.each(['noequals', '.key=v', 'mod.=v', 'mod=v'])('refuses record %j naming the entry', (bad) => {
    expect(() => parseBuiltinModinfo(`a.b=c\0${bad}\0`, 'M')).toThrow(GkError);
    expect(() => parseBuiltinModinfo(`a.b=c\0${bad}\0`, 'M')).toThrow(/^M: entry 2:/);
  });
});
