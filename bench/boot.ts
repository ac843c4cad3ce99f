/**
 * Boot time of one image: QEMU (TCG) start to the root disk's sentinel line, through the
 * shared helper of test/boot. Every generator's image boots the same kernel and the same root
 * disk (bench/root-disk.ts) with root=/dev/vda, which all of them understand.
 *
 * The initramfs's own share comes from the guest's clock, not the host's: the kernel's
 * timestamp on "Run /init as init process" (printk time) to the root init's first line, which
 * prints /proc/uptime (bench/root-disk.ts). Host load and QEMU start-up do not enter it.
 */
import { bootImage } from '../test/boot/qemu.js';
import { median } from './measure.js';

export interface BootTimes {
  medianMs: number;
  all: number[];
  /** Guest clock: kernel runs /init → root's init starts, per boot that reached the root. */
  shareMedianMs: number;
  shares: number[];
  reached: number;
  tries: number;
  /** Console tail of the first failed boot, to say why. */
  failure?: string;
}

const RUN_INIT = /\[\s*(\d+\.\d+)\]\s+Run \/init as init process/;
const ROOT_UPTIME = /TSGK-UPTIME: (\d+\.\d+)/;

/** Milliseconds of guest time between the kernel starting /init and the root's init, or undefined. */
export function initShareMs(console: string): number | undefined {
  const run = RUN_INIT.exec(console);
  const up = ROOT_UPTIME.exec(console);
  if (!run || !up) return undefined;
  return Math.round((Number(up[1]) - Number(run[1])) * 1000);
}

export async function bootTimes(kernel: string, initramfs: string, rootDisk: string, tries: number, append = 'root=/dev/vda'): Promise<BootTimes> {
  const ok: number[] = [];
  const shares: number[] = [];
  let failure: string | undefined;
  for (let i = 0; i < tries; i++) {
    const r = await bootImage({ kernel, initramfs, disks: [rootDisk], append, timeoutMs: 240_000, memoryMb: 1024 });
    if (r.reachedRoot) {
      ok.push(r.ms);
      const share = initShareMs(r.output);
      if (share !== undefined) shares.push(share);
      else failure ??= 'reached the root, but the console lacks "Run /init as init process" or the root uptime line';
    } else failure ??= r.output.split(/\r?\n/).slice(-25).join('\n');
  }
  return { medianMs: ok.length ? median(ok) : NaN, all: ok, shareMedianMs: shares.length ? median(shares) : NaN, shares, reached: ok.length, tries, failure };
}
