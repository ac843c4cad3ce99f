import { readFile } from 'node:fs/promises';
import { GkError } from '../errors.js';
import { run } from '../exec.js';
import { rootMount } from '../hostonly/host-only.js';

/**
 * The command line embedded in the UKI (its .cmdline section). systemd-stub ignores the boot
 * loader's command line under Secure Boot, so this one must be complete: --uki-cmdline when
 * given, else a root= for the root this machine runs on, else the running kernel's command
 * line without the words that named the previous boot's files. Nothing found is an error.
 */
export interface CmdlineSources {
  /** --uki-cmdline / UKI_CMDLINE; '' when unset. */
  given: string;
  procRoot?: string;
  /** The UUID of a block device (blkid); injectable for tests. */
  uuidOf?: (device: string) => Promise<string | undefined>;
}

export async function ukiCmdline(src: CmdlineSources): Promise<{ cmdline: string; from: string }> {
  const given = src.given.trim();
  if (given) return { cmdline: checkCmdline(given, '--uki-cmdline'), from: '--uki-cmdline' };
  const procRoot = src.procRoot ?? '/proc';
  const root = await hostRootParameter(procRoot, src.uuidOf ?? blkidUuid);
  if (root) return { cmdline: root, from: `the root of this machine (${procRoot}/mounts)` };
  const running = await readFile(`${procRoot}/cmdline`, 'utf8').catch(() => '');
  const kept = running
    .trim()
    .split(/\s+/)
    // initrd= and BOOT_IMAGE= name the files the previous boot loader loaded, not this UKI's.
    .filter((w) => w !== '' && !/^(initrd|BOOT_IMAGE)=/.test(w))
    .join(' ');
  if (/(^|\s)root=/.test(kept)) return { cmdline: kept, from: `${procRoot}/cmdline` };
  throw new GkError('no kernel command line for the UKI: the root of this machine was not found and the running command line has no root=', "pass --uki-cmdline='root=UUID=... ro' (it is embedded in the UKI)");
}

/** A command line for the UKI is one line and loads its initramfs from the UKI itself. */
export function checkCmdline(cmdline: string, where: string): string {
  if (/[\r\n\0]/.test(cmdline)) throw new GkError(`${where} spans several lines`, 'give the kernel command line as one line');
  const initrd = cmdline.split(/\s+/).find((w) => /^initrd=/.test(w));
  if (initrd) throw new GkError(`${where} contains '${initrd}': a UKI carries its own initramfs and the stub would load a second one`, `remove ${initrd} from ${where}`);
  return cmdline;
}

/** root=UUID=... (or root=/dev/...) of the mounted root, when it is a real block device. */
async function hostRootParameter(procRoot: string, uuidOf: (device: string) => Promise<string | undefined>): Promise<string | undefined> {
  const root = await rootMount(procRoot);
  if (!root || !root.device.startsWith('/dev/') || root.device === '/dev/root') return undefined;
  const uuid = await uuidOf(root.device);
  return uuid ? `root=UUID=${uuid}` : `root=${root.device}`;
}

async function blkidUuid(device: string): Promise<string | undefined> {
  const r = await run('blkid', ['-s', 'UUID', '-o', 'value', device], { allowFailure: true }).catch(() => undefined);
  const uuid = r?.exitCode === 0 ? r.stdout.trim() : '';
  return uuid || undefined;
}
