import { describe, expect, it } from 'vitest';
import { parseConf, parseShellAssignments } from './conf-parser.js';
import { GkError } from '../errors.js';

const parse = (t: string, env: Record<string, string> = {}) => parseShellAssignments(t, 'test.conf', env);

describe('genkernel.conf parser', () => {
  it('reads double-quoted, single-quoted and bare values', () => {
    const m = parse(`A="one two"\nB='three $A'\nC=four\n`);
    expect(m.get('A')).toBe('one two');
    expect(m.get('B')).toBe('three $A');
    expect(m.get('C')).toBe('four');
  });

  it('treats # as a comment only at the start of a word', () => {
    const m = parse(`# a comment\nA="x # y" # trailing\nB=a#b\nC='#'\n`);
    expect(m.get('A')).toBe('x # y');
    expect(m.get('B')).toBe('a#b');
    expect(m.get('C')).toBe('#');
  });

  it('expands $VAR and ${VAR} from earlier keys, then the environment', () => {
    const m = parse(`BASE=/var/tmp\nT="\${BASE}/gk"\nU=$BASE/x\nH="$HOME_DIR/y"\nE="\\$BASE"\n`, { HOME_DIR: '/root' });
    expect(m.get('T')).toBe('/var/tmp/gk');
    expect(m.get('U')).toBe('/var/tmp/x');
    expect(m.get('H')).toBe('/root/y');
    expect(m.get('E')).toBe('$BASE');
  });

  it('joins backslash continuations and quoted values that span lines', () => {
    const m = parse(`A="one \\\ntwo"\nB=three\\\nfour\nC="x\ny"\nD=after\n`);
    expect(m.get('A')).toBe('one two');
    expect(m.get('B')).toBe('threefour');
    expect(m.get('C')).toBe('x\ny');
    expect(m.get('D')).toBe('after');
  });

  it('accepts export and later assignments win', () => {
    const m = parse(`export A=1\nA=2\n`);
    expect(m.get('A')).toBe('2');
  });

  it('skips command substitution with a note instead of running it', () => {
    const r = parseConf(`MAKEOPTS="$(portageq envvar MAKEOPTS)"\nNEXT=ok\nX=\`uname -r\`\n`, 'g.conf');
    expect(r.values.has('MAKEOPTS')).toBe(false);
    expect(r.values.get('NEXT')?.value).toBe('ok');
    expect(r.skipped.map((s) => [s.key, s.line])).toEqual([
      ['MAKEOPTS', 1],
      ['X', 3],
    ]);
  });

  it('records the line of each assignment', () => {
    const r = parseConf(`\n\nA="x\ny"\nB=1\n`, 'g.conf');
    expect(r.values.get('A')?.line).toBe(3);
    expect(r.values.get('B')?.line).toBe(5);
  });

  it.each([
    ['A="unterminated\nB=1\n', 1],
    ["X=1\nA='open\n", 2],
    ['X=1\nY=2\nnot an assignment\n', 3],
    ['A=1 | cat\n', 1],
    ['A="${bad name}"\n', 1],
    ['X=1\nA="${X#pat}"\n', 2],
    ['A="${X:-open\n', 1],
  ])('reports a syntax error with its line number: %j', (text, lineNo) => {
    let caught: unknown;
    try {
      parse(text);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(GkError);
    expect((caught as GkError).message).toContain(`test.conf:${lineNo}:`);
  });

  describe('parameter expansion forms', () => {
    const env = { SET: 'env', EMPTY: '' };
    it.each([
      ['${SET:-w}', 'env'],
      ['${EMPTY:-w}', 'w'],
      ['${UNSET:-w}', 'w'],
      ['${SET-w}', 'env'],
      ['${EMPTY-w}', ''],
      ['${UNSET-w}', 'w'],
      ['${SET:+w}', 'w'],
      ['${EMPTY:+w}', ''],
      ['${UNSET:+w}', ''],
      ['${SET+w}', 'w'],
      ['${EMPTY+w}', 'w'],
      ['${UNSET+w}', ''],
      ['${SET:=w}', 'env'],
      ['${EMPTY:=w}', 'w'],
      ['${EMPTY=w}', ''],
      ['${UNSET=w}', 'w'],
    ])('%s', (form, want) => {
      expect(parse(`A="${form}"\nB=${form}\n`, env).get('A')).toBe(want);
      expect(parse(`A="${form}"\nB=${form}\n`, env).get('B')).toBe(want);
    });

    it('nests, quotes and sees earlier keys before the environment', () => {
      const m = parse(
        [
          'BASE=/opt',
          'A="${UNSET:-${BASE}/x}"',
          'B=${UNSET:-"a b"}',
          "C=${UNSET:-'lit $BASE'}",
          'D="${UNSET:-${ALSO_UNSET:-deep}}"',
          'E="${BASE:+[$BASE]}"',
          'F="${UNSET:-a}${BASE:+b}"',
          'G="${UNSET:-}"',
          'H="${UNSET:-x\\}y}"',
        ].join('\n'),
        { BASE: '/env-loses' },
      );
      expect(m.get('A')).toBe('/opt/x');
      expect(m.get('B')).toBe('a b');
      expect(m.get('C')).toBe('lit $BASE');
      expect(m.get('D')).toBe('deep');
      expect(m.get('E')).toBe('[/opt]');
      expect(m.get('F')).toBe('ab');
      expect(m.get('G')).toBe('');
      expect(m.get('H')).toBe('x}y');
    });

    it('assigns with := only when the word is used, and the variable is visible afterwards', () => {
      const m = parse('A="${V:=first}"\nB="${V:=second}"\nC="$V"\nD="${SET:-${W:=never}}"\nE="${W-unset}"\n', env);
      expect([m.get('A'), m.get('B'), m.get('C'), m.get('D'), m.get('E')]).toEqual(['first', 'first', 'first', 'env', 'unset']);
      expect(m.has('V')).toBe(false);
    });

    it('takes GK_SHARE from the environment, as genkernel does', () => {
      const line = 'GK_SHARE="${GK_SHARE:-/usr/share/genkernel}"\nDISTDIR="${GK_SHARE}/distfiles"\n';
      expect(parse(line).get('DISTDIR')).toBe('/usr/share/genkernel/distfiles');
      expect(parse(line, { GK_SHARE: '/srv/gk' }).get('DISTDIR')).toBe('/srv/gk/distfiles');
    });
  });
});
