import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bashCompletionScript } from './completion.js';
import { buildProgram } from './main.js';
import { OPTION_TABLE, type OptionSpec } from '../config/option-table.js';

let script: string;
let dir: string;

beforeAll(() => {
  script = bashCompletionScript(buildProgram());
  dir = mkdtempSync(join(tmpdir(), 'gk-compl-'));
  writeFileSync(join(dir, 'completion.bash'), script);
  mkdirSync(join(dir, 'my boot dir'));
  mkdirSync(join(dir, 'modules'));
  writeFileSync(join(dir, 'modfile'), '');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What real bash completes for the words typed so far (the last word is the one being completed). */
function complete(...typed: string[]): string[] {
  const program = `
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
    _tsgenkernel
    printf '%s\\n' "\${COMPREPLY[@]}"`;
  const out = execFileSync('bash', ['-c', program, 'bash', join(dir, 'completion.bash'), 'tsgenkernel', ...typed], { cwd: dir, encoding: 'utf8' });
  return out.split('\n').filter((l) => l !== '');
}

describe('bash completion', () => {
  it('offers every option of the table, every alias and every --no- form', () => {
    for (const o of OPTION_TABLE as readonly OptionSpec[]) {
      for (const flag of [o.flag, ...(o.aliases ?? [])]) {
        const word = o.kind === 'bool' ? `--${flag}` : `--${flag}=`;
        expect(script, flag).toContain(` ${word} `.trimStart());
        if (o.kind === 'bool' || o.negatedValue !== undefined) expect(script, flag).toContain(`--no-${flag}`);
      }
    }
  });

  it('passes shellcheck', () => {
    execFileSync('shellcheck', ['-s', 'bash', join(dir, 'completion.bash')]);
  });

  it('completes command words, then options of that command', () => {
    expect(complete('in')).toEqual(['initramfs', 'inspect', 'install-hooks']);
    expect(complete('initramfs', '--kernel-mod')).toEqual(['--kernel-modules-prefix=']);
    expect(complete('initramfs', '--no-lu')).toEqual(['--no-luks']);
    expect(complete('inspect', '--c')).toEqual(['--cat=']);
    expect(complete('completion', '')).toEqual(['bash']);
  });

  it("completes genkernel-style options before the command word", () => {
    expect(complete('--lvm', '--md')).toEqual(['--mdadm', '--mdadm-config=']);
  });

  it('completes choices and directories after --opt= (bash splits the = off)', () => {
    expect(complete('initramfs', '--strip', '=', 'mo')).toEqual(['modules']);
    expect(complete('initramfs', '--compress-initramfs-type', '=', 'z')).toEqual(['zstd']);
    expect(complete('initramfs', '--bootdir', '=', 'my')).toEqual(['my boot dir']);
    // A directory option offers directories only; a file option offers files too.
    expect(complete('initramfs', '--kernel-modules-prefix', 'mod')).toEqual(['modules']);
    expect(complete('initramfs', '--kernel-config', '=', 'mod').sort()).toEqual(['modfile', 'modules']);
  });
});
