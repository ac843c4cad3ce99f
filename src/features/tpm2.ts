import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildContext } from '../context.js';
import type { Feature } from './feature.js';
import type { ImageTree } from '../image/image-tree.js';
import { GkError } from '../errors.js';
import { addHostLibrary } from '../elf/add-host-binary.js';
import { DEFAULT_SYSTEM_DIRS_X86_64 } from '../elf/search-paths.js';
import { addBootFragment, type BootFragment } from './boot-fragment.js';

/**
 * --tpm2 and --fido2: LUKS2 volumes enrolled with systemd-cryptenroll are opened by their
 * token, without a prompt, through cryptsetup's external token plugins (systemd's
 * libcryptsetup-token-systemd-*.so). The boot side (29-luks-token.sh) tries the token before
 * the key file or passphrase of 30-luks.sh and says in one line when it cannot be used.
 *
 * What a DT_NEEDED walk of the plugin misses, named here: libsystemd-shared dlopens the TSS2
 * libraries (esys, rc, mu) and the TCTI for /dev/tpmrm0 (tcti-device) for a TPM, and libfido2
 * for a FIDO2 key. Each dlopened library comes with its own closure.
 */
export interface TokenKind {
  option: '--tpm2' | '--fido2';
  plugin: string;
  dlopened: string[];
  /** Kernel drivers for the device; Debian builds the TPM ones in (then they cost nothing). */
  modules: string[];
}

export const TPM2_TOKEN: TokenKind = {
  option: '--tpm2',
  plugin: 'libcryptsetup-token-systemd-tpm2.so',
  dlopened: ['libtss2-esys.so.0', 'libtss2-rc.so.0', 'libtss2-mu.so.0', 'libtss2-tcti-device.so.0'],
  // tpm_tis: the TIS interface QEMU and most PCs have; tpm_crb: firmware TPMs (Intel PTT, AMD fTPM).
  modules: ['tpm', 'tpm_tis_core', 'tpm_tis', 'tpm_crb'],
};

export const FIDO2_TOKEN: TokenKind = {
  option: '--fido2',
  plugin: 'libcryptsetup-token-systemd-fido2.so',
  dlopened: ['libfido2.so.1'],
  // A FIDO2 key is a USB HID device, reached through /dev/hidraw*.
  modules: ['hid', 'hid_generic', 'usbhid', 'xhci_pci', 'ehci_pci', 'ohci_pci', 'uhci_hcd'],
};

/**
 * The directory libcryptsetup loads token plugins from: compiled into the library (Debian:
 * /lib/x86_64-linux-gnu/cryptsetup, Gentoo: /usr/lib64/cryptsetup), read out of it here.
 */
export async function tokenPluginDir(systemDirs: readonly string[] = DEFAULT_SYSTEM_DIRS_X86_64): Promise<string> {
  for (const dir of systemDirs) {
    const lib = await readFile(join(dir, 'libcryptsetup.so.12')).catch(() => undefined);
    if (!lib) continue;
    // The library also names /run/cryptsetup (its lock dir): the plugin dir is a lib dir.
    const found = [...lib.toString('latin1').matchAll(/(?<=\0)\/[\w./-]*\/cryptsetup(?=\0)/g)].map((m) => m[0]).find((p) => /\/lib[^/]*\//.test(p));
    if (found) return found;
  }
  throw new GkError('libcryptsetup.so.12 was not found, so the LUKS2 token plugins cannot be located', 'install libcryptsetup12 (cryptsetup-bin)');
}

/** What the host lacks for `kind`: the plugin and each dlopened library, by name. */
export async function missingTokenPieces(kind: TokenKind, systemDirs: readonly string[] = DEFAULT_SYSTEM_DIRS_X86_64): Promise<string[]> {
  const isFile = (p: string) => stat(p).then((s) => s.isFile(), () => false);
  const missing: string[] = [];
  const dir = await tokenPluginDir(systemDirs).catch(() => undefined);
  if (!dir || !(await isFile(join(dir, kind.plugin)))) missing.push(kind.plugin);
  for (const lib of kind.dlopened) {
    let found = false;
    for (const d of systemDirs) if (await isFile(join(d, lib))) found = true;
    if (!found) missing.push(lib);
  }
  return missing;
}

async function installToken(kind: TokenKind, ctx: BuildContext, image: ImageTree): Promise<void> {
  if (!ctx.settings.LUKS) throw new GkError(`${kind.option} unlocks LUKS volumes, but --luks is off`, `add --luks (LUKS="yes"), or drop ${kind.option}`);
  const missing = await missingTokenPieces(kind);
  if (missing.length) {
    throw new GkError(`${kind.option} needs ${missing.join(', ')} on this host`, kind === TPM2_TOKEN ? 'install systemd (252 or later: the token plugin) and libtss2-esys-3.0.2-0, libtss2-rc0, libtss2-mu0, libtss2-tcti-device0' : 'install systemd (252 or later: the token plugin) and libfido2-1');
  }
  const dir = await tokenPluginDir();
  // Looked up in the plugin dir first, so it lands at the same path in the image.
  const added = await addHostLibrary(image, kind.plugin, { systemDirs: [dir, ...DEFAULT_SYSTEM_DIRS_X86_64] });
  for (const lib of kind.dlopened) added.push(...(await addHostLibrary(image, lib)));
  ctx.log.debug(`${kind.option.slice(2)}: ${kind.plugin} from ${dir}, ${added.length} library entries`);
}

/** The boot half both token kinds share: luks_try_token, which 30-luks.sh calls first. */
export const luksTokenBoot: BootFragment = { file: '29-luks-token.sh', conf: () => ({}) };

function tokenFeature(name: 'tpm2' | 'fido2', kind: TokenKind, on: (ctx: BuildContext) => boolean): Feature {
  return {
    name,
    enabled: on,
    modules: () => kind.modules,
    async install(ctx, image) {
      await installToken(kind, ctx, image);
      addBootFragment(image, luksTokenBoot);
    },
    boot: luksTokenBoot,
  };
}

export const tpm2Feature = tokenFeature('tpm2', TPM2_TOKEN, (ctx) => ctx.settings.TPM2);
export const fido2Feature = tokenFeature('fido2', FIDO2_TOKEN, (ctx) => ctx.settings.FIDO2);

/**
 * For `check`: /etc/crypttab entries that ask for a TPM2 or FIDO2 unlock (tpm2-device=,
 * fido2-device=), which a build without the token pieces could not honour at boot.
 */
export async function crypttabTokenKinds(path = '/etc/crypttab'): Promise<TokenKind[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const lines = text.split('\n').filter((l) => !/^\s*(#|$)/.test(l));
  const kinds: TokenKind[] = [];
  if (lines.some((l) => /tpm2-device=/.test(l))) kinds.push(TPM2_TOKEN);
  if (lines.some((l) => /fido2-device=/.test(l))) kinds.push(FIDO2_TOKEN);
  return kinds;
}

/**
 * `check`: with --tpm2/--fido2, or an /etc/crypttab that asks for a token unlock, the host must
 * have the plugin and the libraries it dlopens, or the image could not carry them.
 */
export async function tokenCheckLines(
  ctx: BuildContext,
  host: { crypttab?: string; systemDirs?: readonly string[] } = {},
): Promise<Array<{ status: 'ok' | 'FAIL'; name: string; text: string; hint?: string }>> {
  const asked = new Set<TokenKind>(await crypttabTokenKinds(host.crypttab));
  if (ctx.settings.TPM2) asked.add(TPM2_TOKEN);
  if (ctx.settings.FIDO2) asked.add(FIDO2_TOKEN);
  const out = [];
  for (const kind of asked) {
    const name = `${kind.option.slice(2)} unlock`;
    const why = ctx.settings[kind === TPM2_TOKEN ? 'TPM2' : 'FIDO2'] ? kind.option : `/etc/crypttab asks for ${kind === TPM2_TOKEN ? 'tpm2-device=' : 'fido2-device='}`;
    const missing = await missingTokenPieces(kind, host.systemDirs);
    if (missing.length) out.push({ status: 'FAIL' as const, name, text: `${why}, but this host lacks ${missing.join(', ')}`, hint: kind === TPM2_TOKEN ? 'install systemd 252+ and the libtss2 libraries (esys, rc, mu, tcti-device)' : 'install systemd 252+ and libfido2-1' });
    else out.push({ status: 'ok' as const, name, text: `${kind.plugin} and ${kind.dlopened.join(', ')} present (${why})` });
  }
  return out;
}
