/**
 * A software TPM 2.0 for one QEMU run (swtpm's socket mode). The state lives in `stateDir`,
 * so a second run with the same dir is the same TPM (same seeds, so a key sealed in the first
 * run unseals in the second) and an empty dir is a brand-new TPM. swtpm exits when QEMU
 * disconnects; stop() is for a run that never started QEMU.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface Swtpm {
  /** The QEMU arguments that attach it as a TIS device. */
  qemuArgs: string[];
  stop(): void;
}

export async function startSwtpm(stateDir: string): Promise<Swtpm> {
  mkdirSync(stateDir, { recursive: true });
  const sock = join(stateDir, 'swtpm.sock');
  const child: ChildProcess = spawn('swtpm', ['socket', '--tpm2', '--tpmstate', `dir=${stateDir}`, '--ctrl', `type=unixio,path=${sock}`], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  while (!existsSync(sock)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`swtpm did not start (state ${stateDir})`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    qemuArgs: ['-chardev', `socket,id=chrtpm,path=${sock}`, '-tpmdev', 'emulator,id=tpm0,chardev=chrtpm', '-device', 'tpm-tis,tpmdev=tpm0'],
    stop: () => {
      if (child.exitCode === null) child.kill('SIGTERM');
    },
  };
}
