import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

describe("genkernel's own keys", () => {
  it('NOCOLOR turns colour off and on, as in genkernel', () => {
    expect(resolveSettings({ confText: 'NOCOLOR="true"\n', cli: {} }).settings.USECOLOR).toBe(false);
    expect(resolveSettings({ confText: 'NOCOLOR="false"\n', cli: {} }).settings.USECOLOR).toBe(true);
    expect(resolveSettings({ confText: 'NOCOLOR="true"\n', cli: { USECOLOR: true } }).settings.USECOLOR).toBe(true);
  });

  it('DEFAULT_KERNEL_SOURCE is the kernel dir unless KERNEL_DIR or --kerneldir says otherwise', () => {
    expect(resolveSettings({ confText: 'DEFAULT_KERNEL_SOURCE="/usr/src/other"\n', cli: {} }).settings.KERNEL_DIR).toBe('/usr/src/other');
    expect(resolveSettings({ confText: 'KERNEL_DIR=/a\nDEFAULT_KERNEL_SOURCE="/b"\n', cli: {} }).settings.KERNEL_DIR).toBe('/a');
    expect(resolveSettings({ confText: 'DEFAULT_KERNEL_SOURCE="/b"\n', cli: { KERNEL_DIR: '/c' } }).settings.KERNEL_DIR).toBe('/c');
  });

  it('DEFAULT_KERNEL_CONFIG is read', () => {
    const r = resolveSettings({ confText: 'GK_SHARE=/gk\nDEFAULT_KERNEL_CONFIG="${GK_SHARE}/arch/x86_64/kernel-config"\n', cli: {} });
    expect(r.settings.DEFAULT_KERNEL_CONFIG).toBe('/gk/arch/x86_64/kernel-config');
    expect(r.warnings).toEqual([]);
  });

  it('warns about a genkernel feature not offered, unlike an unknown key, and only when it asks for something', () => {
    const r = resolveSettings({ confText: 'NFS="yes"\nDMRAID="no"\nSANDBOX="yes"\nSYMLNK=yes\nKERNEL_CC="gcc"\n', confPath: 'g.conf', cli: {} });
    expect(r.warnings).toHaveLength(2);
    expect(r.warnings[0]).toMatch(/^g\.conf:1: NFS="yes": genkernel feature not offered by tsgenkernel \(no NFS root\); ignored$/);
    expect(r.warnings[1]).toBe('g.conf:4: unknown key SYMLNK is ignored; did you mean SYMLINK?');
    expect(r.notOffered).toEqual([r.warnings[0]]);
  });

  it('takes a key that later values expand for a helper variable, not a typo', () => {
    const r = resolveSettings({ confText: 'MY_BASE=/srv\nTMPDIR="${MY_BASE}/tmp"\n', cli: {} });
    expect(r.warnings).toEqual([]);
    expect(r.settings.TMPDIR).toBe('/srv/tmp');
  });

  it('reports not-offered flags from the command line', () => {
    const nfs = { spec: { key: 'NFS', kind: 'bool', status: 'not offered', note: 'no NFS root', inert: ['no'] }, flag: 'nfs', value: true } as const;
    const r = resolveSettings({ cli: {}, cliNotOffered: [nfs, { ...nfs, value: false }] });
    expect(r.notOffered).toEqual(['command line: --nfs: genkernel feature not offered by tsgenkernel (no NFS root); ignored']);
  });

  it("answers $(portageq envvar MAKEOPTS) from make.conf, or with nothing when there is no Portage", () => {
    const dir = mkdtempSync(join(tmpdir(), 'gk-makeconf-'));
    writeFileSync(join(dir, 'make.conf'), 'COMMON_FLAGS="-O2"\nMAKEOPTS="-j7 -l7"\n');
    const conf = 'MAKEOPTS="$(portageq envvar MAKEOPTS)"\n';
    const withPortage = resolveSettings({ confText: conf, cli: {}, env: {}, makeConfPaths: [join(dir, 'make.conf')] });
    expect(withPortage.settings.MAKEOPTS).toBe('-j7 -l7');
    expect(withPortage.warnings).toEqual([]);
    const none = resolveSettings({ confText: conf, cli: {}, env: {}, makeConfPaths: [join(dir, 'absent')] });
    expect(none.settings.MAKEOPTS).toBe('');
    expect(resolveSettings({ confText: conf, cli: {}, env: { MAKEOPTS: '-j3' }, makeConfPaths: [] }).settings.MAKEOPTS).toBe('-j3');
    rmSync(dir, { recursive: true, force: true });
  });
});
