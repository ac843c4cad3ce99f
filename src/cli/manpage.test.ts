import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { manPage, roffEscape } from './manpage.js';
import { buildProgram } from './main.js';
import { OPTION_TABLE, type OptionSpec } from '../config/option-table.js';

let page: string;
let rendered: string;

beforeAll(() => {
  page = manPage(buildProgram(), { version: '9.9.9', date: '2026-01-01' });
  // What a user reads: groff's plain-text rendering, hyphenation off so flags stay whole.
  rendered = execFileSync('groff', ['-man', '-Tutf8', '-rHY=0', '-P', '-cbou'], { input: page, encoding: 'utf8', env: { ...process.env, MANWIDTH: '200' } });
});

describe('man page', () => {
  it('documents every option of the table with its conf key, --no- form and aliases', () => {
    const flat = rendered.replace(/‐/g, '-').replace(/\s+/g, ' ');
    for (const o of OPTION_TABLE as readonly OptionSpec[]) {
      expect(flat, o.flag).toContain(`--${o.flag}`);
      expect(flat, o.flag).toContain(`genkernel.conf: ${o.key}.`);
      for (const a of o.aliases ?? []) expect(flat, a).toContain(`--${a}`);
      if (o.kind === 'bool' || o.negatedValue !== undefined) expect(flat, o.flag).toContain(`--no-${o.flag}`);
    }
  });

  it('lists every command', () => {
    for (const c of buildProgram().commands) expect(page).toContain(`\\fB${roffEscape(c.name())}\\fR`);
  });

  it('is valid roff: groff reports no warnings', () => {
    const r = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z'], { input: page, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('escapes what roff would misread', () => {
    expect(roffEscape('.hidden')).toBe('\\&.hidden');
    expect(roffEscape('a\\b-c')).toBe('a\\eb\\-c');
  });
});
