import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { addTableOptions, cliValues, moveLeadingOptions, notOfferedFlags } from './options.js';
import { OPTION_TABLE } from '../config/option-table.js';

function parse(args: string[]) {
  const cmd = addTableOptions(new Command('initramfs').exitOverride());
  cmd.configureOutput({ writeErr: () => undefined });
  cmd.parse(args, { from: 'user' });
  return cliValues(cmd.opts());
}

describe('command-line options', () => {
  it("accepts every option of the table under genkernel's spelling, with --no- forms for switches", () => {
    for (const o of OPTION_TABLE) {
      if (o.kind === 'bool') {
        expect(parse([`--${o.flag}`])[o.key], o.flag).toBe(true);
        expect(parse([`--no-${o.flag}`])[o.key], o.flag).toBe(false);
      } else if (o.kind === 'int') {
        expect(parse([`--${o.flag}=3`])[o.key], o.flag).toBe(3);
      } else {
        const v = 'choices' in o ? o.choices[0]! : '/some/value';
        expect(parse([`--${o.flag}=${v}`])[o.key], o.flag).toBe(v);
      }
    }
  });

  it('maps genkernel aliases and the --no- form of valued options', () => {
    expect(parse(['--no-compress-initrd']).COMPRESS_INITRD).toBe(false);
    expect(parse(['--no-strip']).STRIP_TYPE).toBe('none');
    expect(parse(['--strip', 'all']).STRIP_TYPE).toBe('all');
  });

  it("takes genkernel's bare --microcode (all) and --nice (10), and --no-nice (0)", () => {
    expect(parse(['--microcode']).MICROCODE).toBe('all');
    expect(parse(['--microcode=amd']).MICROCODE).toBe('amd');
    expect(parse(['--no-microcode']).MICROCODE).toBe('none');
    expect(parse(['--nice']).NICE).toBe(10);
    expect(parse(['--nice=5']).NICE).toBe(5);
    expect(parse(['--no-nice']).NICE).toBe(0);
    expect(parse(['--microcode', '--luks'])).toEqual({ MICROCODE: 'all', LUKS: true });
  });

  it("accepts genkernel's not-offered flags, to be reported rather than refused", () => {
    const cmd = addTableOptions(new Command('initramfs').exitOverride());
    cmd.parse(['--nfs', '--bootconfig=extra.conf', '--no-splash'], { from: 'user' });
    expect(notOfferedFlags(cmd.opts()).map((f) => [f.flag, f.value])).toEqual([
      ['nfs', true],
      ['splash', false],
      ['bootconfig', 'extra.conf'],
    ]);
  });

  it('leaves options that were not given undefined, so the conf file keeps its say', () => {
    expect(parse(['--luks'])).toEqual({ LUKS: true });
  });

  it('rejects unknown options, bad choices and non-numbers', () => {
    expect(() => parse(['--bogus'])).toThrow(/unknown option '--bogus'/);
    expect(() => parse(['--strip=some'])).toThrow(/Allowed choices/);
    expect(() => parse(['--loglevel=high'])).toThrow(/whole number/);
  });

  it("moves options given before the action after it, as genkernel's order allows", () => {
    const cmds = ['all', 'initramfs'];
    expect(moveLeadingOptions(['node', 'tsgk', '--luks', '--lvm', 'initramfs', '--zfs'], cmds)).toEqual(['node', 'tsgk', 'initramfs', '--luks', '--lvm', '--zfs']);
    expect(moveLeadingOptions(['node', 'tsgk', 'initramfs', '--luks'], cmds)).toEqual(['node', 'tsgk', 'initramfs', '--luks']);
    expect(moveLeadingOptions(['node', 'tsgk', '--help', 'all'], cmds)).toEqual(['node', 'tsgk', '--help', 'all']);
  });
});
