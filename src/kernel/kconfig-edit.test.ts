import { describe, expect, it } from 'vitest';
import { KernelConfig } from './kconfig.js';
import { setConfigOption, setConfigString } from './kconfig-edit.js';

const TEXT = ['# Linux config', 'CONFIG_A=y', '# CONFIG_B is not set', 'CONFIG_C=m', 'CONFIG_A=m', 'CONFIG_LOCALVERSION=""', ''].join('\n');

describe('setConfigOption', () => {
  it('turns an unset option on in place', () => {
    const out = setConfigOption(TEXT, 'B', 'y');
    expect(out.split('\n')[2]).toBe('CONFIG_B=y');
    expect(KernelConfig.parse(out).get('B')).toBe('y');
  });

  it('replaces the first occurrence and drops later duplicates that would override it', () => {
    const out = setConfigOption(TEXT, 'CONFIG_A', 'n');
    expect(out).not.toContain('CONFIG_A=');
    expect(out).toContain('# CONFIG_A is not set');
    expect(KernelConfig.parse(out).get('A')).toBeUndefined();
  });

  it('appends an option the file does not mention, and removes one with null', () => {
    const out = setConfigOption(TEXT, 'DEVTMPFS', 'y');
    expect(out.endsWith('CONFIG_DEVTMPFS=y\n')).toBe(true);
    expect(setConfigOption(out, 'DEVTMPFS', null)).not.toContain('DEVTMPFS');
    expect(setConfigOption('CONFIG_X=y', 'Y', 'm')).toBe('CONFIG_X=y\nCONFIG_Y=m\n');
  });

  it('does not touch options whose name merely starts the same', () => {
    const out = setConfigOption('CONFIG_RD=y\nCONFIG_RD_ZSTD=y\n', 'RD', 'n');
    expect(out).toBe('# CONFIG_RD is not set\nCONFIG_RD_ZSTD=y\n');
  });
});

describe('setConfigString', () => {
  it('always quotes, escaping quotes and backslashes', () => {
    expect(setConfigString(TEXT, 'LOCALVERSION', '-7')).toContain('CONFIG_LOCALVERSION="-7"');
    const out = setConfigString(TEXT, 'LOCALVERSION', 'a"b\\c');
    expect(KernelConfig.parse(out).get('LOCALVERSION')).toBe('a"b\\c');
  });
});
