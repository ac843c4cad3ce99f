/**
 * One boot of a Debian system from test/boot/distro and what its sentinel unit reported: the
 * TSGK-DISTRO-SEEN lines (see root/tsgk-sentinel) as a record, plus the console's own evidence
 * of a second passphrase prompt (systemd's console agent asks "Please enter passphrase").
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootImage, type BootResult } from '../qemu.js';
import type { BootFixture } from '../fixture.js';
import { DISTRO } from './disks.js';

export interface Seen {
  state?: string;
  failed?: string;
  swap?: string;
  'timed-out'?: string;
  'passphrase-prompts'?: string;
  'passphrase-pending'?: string;
  'cryptsetup-units'?: string;
  /** NAME=/dev/dm-N for each device-mapper device. */
  mapper?: string;
  root?: string;
  startup?: string;
}

export function parseSeen(output: string): Seen {
  const seen: Record<string, string> = {};
  for (const line of output.split(/\r?\n/)) {
    // Not anchored: a getty's "login:" prompt on the same console may come first.
    const m = /TSGK-DISTRO-SEEN ([a-z-]+): ?(.*)$/.exec(line.trim());
    if (m && !(m[1]! in seen)) seen[m[1]!] = m[2]!.trim();
  }
  return seen;
}

export interface DistroBoot extends BootResult {
  seen: Seen;
  /** Prompts of the real system's systemd-cryptsetup seen on the console. */
  consolePrompts: number;
  /** The sentinel lines and the init's own, to show when an assertion fails. */
  report: string;
}

/**
 * The sentinel waits up to 200 s after it starts for the end of the boot (systemd's 90 s
 * device timeout fits in). On a loaded 2-core machine (load 15) the kernel and initramfs took
 * 45 s under TCG and the whole boot to multi-user 160 s; quiet, both take a fraction of that.
 */
/** Our init's passphrase prompt (30-luks.sh). */
const OUR_PROMPT = 'Enter passphrase for';

const BOOT_TIMEOUT_MS = 420_000;

/** Upper bound of one test: image build plus the boot. */
export const DISTRO_TEST_TIMEOUT_MS = BOOT_TIMEOUT_MS + 180_000;

export interface DistroBootOptions {
  /** Type the disks' passphrase each time the initramfs prompts. */
  passphrase?: boolean;
  /** The initramfs's prompt (ours asks "Enter passphrase for …"; Debian's "Please unlock disk …"). */
  prompt?: string;
  /** How many prompts to answer (one per container the initramfs opens). */
  prompts?: number;
}

/** Boots `disks`; the whole console goes to <scratch>/distro-<name>.log. */
export async function bootDistro(fx: BootFixture, name: string, initramfs: string, disks: string[], append: string, opts: DistroBootOptions = {}): Promise<DistroBoot> {
  const answer = { after: opts.prompt ?? OUR_PROMPT, text: `${DISTRO.passphrase}\n` };
  const r = await bootImage({
    kernel: fx.kernel,
    initramfs,
    disks,
    append,
    memoryMb: 1024,
    timeoutMs: BOOT_TIMEOUT_MS,
    // The initramfs asks once; a second prompt (the real system's) is left unanswered.
    typeOn: opts.passphrase ? Array.from({ length: opts.prompts ?? 1 }, () => answer) : undefined,
  });
  writeFileSync(join(fx.scratch, `distro-${name}.log`), r.output);
  const report = r.output
    .split(/\r?\n/)
    .filter((l) => /^(>>|!!) |TSGK-|Please enter passphrase|Timed out|FAILED/.test(l))
    .concat(`(console: ${join(fx.scratch, `distro-${name}.log`)})`)
    .join('\n');
  return { ...r, seen: parseSeen(r.output), consolePrompts: (r.output.match(/Please enter passphrase/g) ?? []).length, report };
}
