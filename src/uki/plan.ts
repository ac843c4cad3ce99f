import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildContext } from '../context.js';
import { GkError, isGkError } from '../errors.js';
import { haveCommand } from '../exec.js';
import { expandFilename } from '../install/filenames.js';
import { readPe } from './pe.js';
import { ukiCmdline } from './cmdline.js';
import { findEsp } from './esp.js';
import { checkSigningPair, type SigningPair } from './sign.js';
import { readOsRelease } from './build-uki.js';

/** Everything the UKI is made of, found and checked before any build step writes a file. */
export interface UkiPlan {
  stub: string;
  cmdline: string;
  cmdlineFrom: string;
  osRelease: string;
  osId: string;
  /** Undefined with --no-install (the UKI stays in TMPDIR). */
  esp?: string;
  sign?: SigningPair;
}

/** The stub exists and is a PE image with room for the UKI's section headers. */
export async function checkStub(stub: string): Promise<void> {
  const buf = await readFile(stub).catch((e: NodeJS.ErrnoException) => {
    throw new GkError(`the EFI stub ${stub} cannot be read (${e.code})`, 'install systemd-boot-efi (it ships linuxx64.efi.stub), or pass --uki-stub=FILE');
  });
  readPe(buf);
}

/**
 * The kernel image the UKI wraps: the one this run compiled, else the installed one in the boot
 * dir (KERNEL_FILENAME), else /boot/vmlinuz-KV as distributions install it.
 */
export async function ukiKernelImage(ctx: BuildContext, kv: string, arch: string): Promise<string> {
  const candidates = [ctx.outputs.kernelImage, join(ctx.paths.bootdir, expandFilename(ctx.settings.KERNEL_FILENAME, { kv, arch })), `/boot/vmlinuz-${kv}`];
  for (const c of candidates) if (c && (await stat(c).then((s) => s.isFile(), () => false))) return c;
  throw new GkError(`no kernel image for ${kv} to put into the UKI (looked for ${candidates.filter(Boolean).join(', ')})`, 'install the kernel first (tsgenkernel kernel), or build with tsgenkernel all --uki');
}

/** Needs only the settings, so `all` hears about bad input before the kernel compile, not after. */
export async function planUki(ctx: BuildContext): Promise<UkiPlan> {
  const s = ctx.settings;
  await checkStub(s.UKI_STUB);
  const sign = await checkSigningPair(s.UKI_SIGN_KEY, s.UKI_SIGN_CERT);
  if (sign && !(await haveCommand('sbsign'))) throw new GkError('signing the UKI needs sbsign, which is not installed', 'install sbsigntool, or drop --uki-sign-key/--uki-sign-cert');
  const { cmdline, from } = await ukiCmdline({ given: s.UKI_CMDLINE });
  const os = await readOsRelease();
  // --dry-run writes nothing, so a missing ESP is worth a warning there, not a stop.
  const esp = s.INSTALL
    ? await findEsp(s.ESP).catch((e: unknown) => {
        if (!ctx.dryRun || !isGkError(e)) throw e;
        ctx.log.warn(e.oneLine());
        return undefined;
      })
    : undefined;
  return { stub: s.UKI_STUB, cmdline, cmdlineFrom: from, osRelease: os.text, osId: os.id, esp, ...(sign ? { sign } : {}) };
}
