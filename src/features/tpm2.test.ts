import { describe, test, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageTree } from '../image/image-tree.js';
import type { Settings } from '../config/option-table.js';
import { gkbuildTestContext } from '../gkbuild/test-context.js';
import { tpm2Feature, fido2Feature, tokenCheckLines, tokenPluginDir, missingTokenPieces, crypttabTokenKinds, TPM2_TOKEN, FIDO2_TOKEN } from './tpm2.js';
import { FEATURES } from './registry.js';

/** Token features on this host's real systemd 252 plugins and libraries. */
const ctxWith = (settings: Partial<Settings>) => gkbuildTestContext({ distdir: tmpdir(), settings }).ctx;

describe('LUKS2 token features (--tpm2, --fido2)', () => {
  test('registered before luks, sharing the token fragment', () => {
    const names = FEATURES.map((f) => f.name);
    expect(names.indexOf('tpm2')).toBeGreaterThan(names.indexOf('luks'));
    expect(tpm2Feature.boot?.file).toBe('29-luks-token.sh');
    expect(fido2Feature.boot?.file).toBe('29-luks-token.sh');
  });

  test("the plugin dir is read out of libcryptsetup (not its /run lock dir)", async () => {
    expect(await tokenPluginDir()).toMatch(/^\/(usr\/)?lib[^/]*\/.*cryptsetup$/);
  });

  test('tpm2: the plugin, libsystemd-shared from its RUNPATH, and the dlopened TSS2 libraries with their closure', async () => {
    const image = new ImageTree();
    await tpm2Feature.install(ctxWith({ LUKS: true, TPM2: true }), image);
    const dir = (await tokenPluginDir()).slice(1);
    expect(image.get(`${dir}/libcryptsetup-token-systemd-tpm2.so`)?.kind).toBe('file');
    const paths = image.sorted().map((e) => e.path);
    expect(paths.some((p) => /systemd\/libsystemd-shared-\d+\.so$/.test(p))).toBe(true);
    for (const lib of TPM2_TOKEN.dlopened) expect(paths, lib).toContain(`lib/x86_64-linux-gnu/${lib}`);
    // esys's own DT_NEEDED (sys, tctildr) comes along without being named.
    expect(paths.some((p) => /libtss2-sys\.so\.1/.test(p))).toBe(true);
    for (const m of ['tpm_tis', 'tpm_crb']) expect(tpm2Feature.modules!(ctxWith({}))).toContain(m);
  });

  test('fido2 (image-tested only: no FIDO2 device here): the plugin and libfido2', async () => {
    const image = new ImageTree();
    await fido2Feature.install(ctxWith({ LUKS: true, FIDO2: true }), image);
    const paths = image.sorted().map((e) => e.path);
    expect(paths.some((p) => p.endsWith('/libcryptsetup-token-systemd-fido2.so'))).toBe(true);
    expect(paths).toContain('lib/x86_64-linux-gnu/libfido2.so.1');
    expect(fido2Feature.modules!(ctxWith({}))).toContain('usbhid');
  });

  test('--tpm2 without --luks is a one-line error', async () => {
    await expect(tpm2Feature.install(ctxWith({ LUKS: false, TPM2: true }), new ImageTree())).rejects.toThrow(/--tpm2 unlocks LUKS volumes, but --luks is off/);
  });

  test('missing pieces are named: a host without the libraries', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'tsgk-nolibs-'));
    expect(await missingTokenPieces(TPM2_TOKEN, [empty])).toEqual([TPM2_TOKEN.plugin, ...TPM2_TOKEN.dlopened]);
    expect(await missingTokenPieces(FIDO2_TOKEN)).toEqual([]);
  });

  test('crypttab entries that ask for a token unlock', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsgk-crypttab-'));
    const f = join(dir, 'crypttab');
    writeFileSync(f, '# root\nroot UUID=1 none tpm2-device=auto,discard\n#home UUID=2 none fido2-device=auto\n');
    expect(await crypttabTokenKinds(f)).toEqual([TPM2_TOKEN]);
    expect(await crypttabTokenKinds(join(dir, 'none'))).toEqual([]);
  });

  test('check: an enrolled-looking crypttab on a host without the pieces fails; --tpm2 on this host passes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsgk-tokencheck-'));
    const crypttab = join(dir, 'crypttab');
    writeFileSync(crypttab, 'root UUID=1 none luks,tpm2-device=auto\n');
    const lines = await tokenCheckLines(ctxWith({}), { crypttab, systemDirs: [dir] });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ status: 'FAIL', name: 'tpm2 unlock' });
    expect(lines[0]!.text).toMatch(/\/etc\/crypttab asks for tpm2-device=, but this host lacks libcryptsetup-token-systemd-tpm2\.so, libtss2-esys\.so\.0/);
    const here = await tokenCheckLines(ctxWith({ TPM2: true }), { crypttab: join(dir, 'none') });
    expect(here.map((l) => l.status)).toEqual(['ok']);
    expect(await tokenCheckLines(ctxWith({}), { crypttab: join(dir, 'none') })).toEqual([]);
  });
});
