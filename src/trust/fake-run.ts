import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * For tests: a live process that /proc shows as a tsgenkernel run (its argv[0] is
 * `tsgenkernel`), so a lock naming it is believed. Resolves once the exec has happened.
 */
export async function startFakeRun(seconds = 30): Promise<ChildProcess & { pid: number }> {
  const child = spawn('bash', ['-c', `exec -a tsgenkernel sleep ${seconds}`], { stdio: 'ignore' });
  await new Promise((r) => child.once('spawn', r));
  for (let i = 0; i < 200; i++) {
    const argv0 = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0')[0];
    if (argv0 === 'tsgenkernel') return child as ChildProcess & { pid: number };
    await new Promise((r) => setTimeout(r, 10));
  }
  child.kill();
  throw new Error('the fake tsgenkernel run did not start');
}
