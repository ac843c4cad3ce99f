import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolveSettings, defaultsPath } from './settings.js';
import { OPTION_TABLE } from './option-table.js';
import { GkError } from '../errors.js';

describe('settings precedence', () => {
  it('takes the shipped default when nothing else says otherwise', () => {
    const r = resolveSettings({ cli: {} });
    expect(r.settings.BOOTDIR).toBe('/boot');
    expect(r.settings.KMOD).toBe(true);
    expect(r.settings.LOGLEVEL).toBe(1);
    expect(r.sources.get('BOOTDIR')).toBe('default');
  });

  it('lets the conf file override defaults and the command line override both', () => {
    const conf = 'BOOTDIR="/mnt/boot"\nKMOD=no\nLOGLEVEL=3\nLUKS="yes"\n';
    const r = resolveSettings({ confText: conf, confPath: '/etc/genkernel.conf', cli: { LOGLEVEL: 4, LUKS: false } });
    expect(r.settings.BOOTDIR).toBe('/mnt/boot');
    expect(r.sources.get('BOOTDIR')).toBe('conf');
    expect(r.settings.KMOD).toBe(false);
    expect(r.settings.LOGLEVEL).toBe(4);
    expect(r.sources.get('LOGLEVEL')).toBe('cli');
    expect(r.settings.LUKS).toBe(false);
  });

  it('expands defaults inside the conf, as a sourced genkernel.conf could', () => {
    const r = resolveSettings({ confText: 'DISTDIR="${CACHE_DIR}/src"\n', cli: {} });
    expect(r.settings.DISTDIR).toBe('/var/cache/tsgenkernel/src');
  });

  it('warns about unknown keys and keeps module group overrides apart', () => {
    const r = resolveSettings({ confText: 'NOT_A_KEY=1\nMODULES_FS="ext4"\nAMODULES_VIRTIO="virtio_rng"\n', confPath: 'g.conf', cli: {} });
    expect(r.warnings).toEqual(['g.conf:1: unknown key NOT_A_KEY is ignored']);
    expect([...r.moduleGroupOverrides]).toEqual([
      ['MODULES_FS', 'ext4'],
      ['AMODULES_VIRTIO', 'virtio_rng'],
    ]);
  });

  it('rejects a value of the wrong kind with the line that holds it', () => {
    expect(() => resolveSettings({ confText: '\nKMOD=perhaps\n', confPath: 'g.conf', cli: {} })).toThrowError(/g\.conf:2: KMOD="perhaps" is not yes or no/);
    expect(() => resolveSettings({ confText: 'COMPRESS_INITRD_TYPE=rar\n', confPath: 'g.conf', cli: {} })).toThrow(GkError);
  });

  it('has a shipped default for every option in the table', () => {
    const text = readFileSync(defaultsPath('genkernel.conf'), 'utf8');
    for (const o of OPTION_TABLE) expect(text, o.key).toMatch(new RegExp(`^${o.key}=`, 'm'));
  });
});
