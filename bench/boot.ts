/**
 * Boot time of one image: QEMU (TCG) start to the root disk's sentinel line, through the
 * shared helper of test/boot. Every generator's image boots the same kernel and the same root
 * disk (bench/root-disk.ts) with root=/dev/vda, which all three understand.
 */
import { bootImage } from '../test/boot/qemu.js';
import { median } from './measure.js';

export interface BootTimes {
  medianMs: number;
  all: number[];
  reached: number;
  tries: number;
  /** Console tail of the first failed boot, to say why. */
  failure?: string;
}

export async function bootTimes(kernel: string, initramfs: string, rootDisk: string, tries: number, append = 'root=/dev/vda'): Promise<BootTimes> {
  const ok: number[] = [];
  let failure: string | undefined;
  for (let i = 0; i < tries; i++) {
    const r = await bootImage({ kernel, initramfs, disks: [rootDisk], append, timeoutMs: 240_000, memoryMb: 1024 });
    if (r.reachedRoot) ok.push(r.ms);
    else failure ??= r.output.split(/\r?\n/).slice(-25).join('\n');
  }
  return { medianMs: ok.length ? median(ok) : NaN, all: ok, reached: ok.length, tries, failure };
}
