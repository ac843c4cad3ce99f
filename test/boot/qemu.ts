/**
 * Boot a kernel + initramfs under QEMU (TCG only: -enable-kvm hangs on these machines) with
 * the serial console on stdout, and report what the console showed.
 */
import { spawn } from 'node:child_process';
import { SENTINEL } from './fixture.js';

export interface BootOptions {
  /** Direct kernel boot; unused with `firmware`, where the firmware finds what to boot on the disks. */
  kernel: string;
  /** Absent: no -initrd (a kernel with its initramfs built in). */
  initramfs?: string;
  /**
   * UEFI instead of direct kernel boot: OVMF's code (read-only) and a writable copy of its
   * variable store as pflash. -kernel/-initrd/-append are not passed.
   */
  firmware?: { code: string; vars: string };
  /** Raw disk images, attached as virtio disks in order (vda, vdb, ...), never written. */
  disks?: string[];
  /** Appended after "console=ttyS0 panic=-1". */
  append: string;
  timeoutMs?: number;
  /** Text typed on the serial console (a passphrase); the console sees EOF otherwise. */
  stdin?: string;
  memoryMb?: number;
  /** More QEMU arguments, after the disks (a -netdev/-device pair, a writable -drive). */
  extraArgs?: string[];
  /** Called with the whole console output so far after each chunk (to act on a line mid-boot). */
  onOutput?: (output: string) => void;
  /**
   * Typed on the console when a prompt shows up: each entry waits for `after` in the output that
   * came since the previous entry was typed, so a repeated prompt can be answered again. Text
   * sent before the guest reads is lost (the serial driver resets the UART FIFO). Keeps stdin open.
   */
  typeOn?: Array<{ after: string; text: string }>;
}

export interface BootResult {
  output: string;
  reachedRoot: boolean;
  /** QEMU start to the sentinel line, or to exit when it never came. */
  ms: number;
  /** QEMU start to exit. */
  totalMs: number;
  exitCode: number | null;
  timedOut: boolean;
}

export function bootImage(opts: BootOptions): Promise<BootResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const args = [
    '-m', String(opts.memoryMb ?? 512),
    '-nodefaults', '-no-user-config', '-display', 'none',
    '-serial', 'stdio', '-monitor', 'none', '-no-reboot',
    ...(opts.firmware
      ? ['-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${opts.firmware.code}`, '-drive', `if=pflash,format=raw,unit=1,file=${opts.firmware.vars}`]
      : ['-kernel', opts.kernel, ...(opts.initramfs ? ['-initrd', opts.initramfs] : []), '-append', `console=ttyS0 panic=-1 ${opts.append}`]),
  ];
  for (const disk of opts.disks ?? []) {
    args.push('-drive', `file=${disk},if=virtio,format=raw,snapshot=on`);
  }
  args.push(...(opts.extraArgs ?? []));
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let sentinelAt: number | undefined;
    let output = '';
    let timedOut = false;
    const child = spawn('qemu-system-x86_64', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const toType = [...(opts.typeOn ?? [])];
    let typedFrom = 0;
    const onData = (chunk: Buffer) => {
      output += chunk.toString('latin1');
      if (sentinelAt === undefined && output.includes(SENTINEL)) sentinelAt = performance.now();
      opts.onOutput?.(output);
      const next = toType[0];
      if (next && output.indexOf(next.after, typedFrom) >= 0) {
        toType.shift();
        typedFrom = output.length;
        child.stdin.write(next.text);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    if (opts.stdin !== undefined) child.stdin.write(opts.stdin);
    // Leave stdin open when typing is expected (closing it would not reach the guest anyway).
    if (opts.stdin === undefined && opts.typeOn === undefined) child.stdin.end();
    // QEMU may exit with typing still pending: a write to its closed stdin is no error here.
    child.stdin.on('error', () => {});
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const end = performance.now();
      resolve({
        output,
        reachedRoot: sentinelAt !== undefined,
        ms: Math.round((sentinelAt ?? end) - started),
        totalMs: Math.round(end - started),
        exitCode: code,
        timedOut,
      });
    });
  });
}

/** The init's own lines (">> ", "!! ") and the root disk's, without the kernel's log. */
export function initLines(output: string): string {
  return output
    .split(/\r?\n/)
    .filter((l) => /^(>>|!!|\.\.) |^TSGK-/.test(l))
    .join('\n');
}

/** Printed by the decoy disk's init: an init that mounted the first root-like disk it saw. */
export const DECOY_SENTINEL = 'TSGK-DECOY-REACHED';

/** The device the root disk's (or the decoy's) init saw mounted on /, from its TSGK-ROOT-MOUNT line. */
export function rootMountDevice(output: string): string | undefined {
  // Anywhere in a line: under load the serial console may lose the end of the line before it
  // (the root init powers off right after printing), which then runs into this one.
  return /TSGK-ROOT-MOUNT: (\S+)/.exec(output)?.[1];
}
