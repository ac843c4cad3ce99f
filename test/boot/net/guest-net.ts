/**
 * QEMU user networking for boot tests: the guest sees 10.0.2.15/24 behind 10.0.2.2 (this
 * machine's loopback), and a forwarded port on 127.0.0.1 reaches the guest's SSH.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { bootImage, type BootOptions, type BootResult } from '../qemu.js';

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** One virtio NIC on user networking; host 127.0.0.1:hostPort forwards to guest guestPort. */
export const userNetArgs = (hostPort: number, guestPort = 22) => [
  '-netdev', `user,id=n0,hostfwd=tcp:127.0.0.1:${hostPort}-:${guestPort}`,
  '-device', 'virtio-net-pci,netdev=n0',
];

/** One ssh command against the guest with key `key`; stdin text optional. Never rejects: the result says. */
export function sshCommand(key: string, port: number, command: string, input?: string): Promise<{ code: number; out: string }> {
  const args = [
    '-p', String(port), '-i', key,
    '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes',
    '-o', 'ConnectTimeout=30', '-o', 'LogLevel=ERROR',
    'root@127.0.0.1', command,
  ];
  return new Promise((resolve) => {
    const child = execFile('ssh', args, { timeout: 240_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` });
    });
    child.stdin?.end(input ?? '');
  });
}

/**
 * Boot with one forwarded port and, once the console shows `when`, run `command` over SSH with
 * key `key`. Resolves with the boot and the session (undefined when `when` never showed).
 */
export async function bootWithSsh(
  opts: BootOptions,
  ssh: { key: string; when: string; command: string; input?: string; guestPort?: number },
): Promise<{ r: BootResult; session?: { code: number; out: string } }> {
  const port = await freePort();
  let session: Promise<{ code: number; out: string }> | undefined;
  const r = await bootImage({
    ...opts,
    extraArgs: [...userNetArgs(port, ssh.guestPort), ...(opts.extraArgs ?? [])],
    onOutput: (out) => {
      if (!session && out.includes(ssh.when)) session = sshCommand(ssh.key, port, ssh.command, ssh.input);
      opts.onOutput?.(out);
    },
  });
  return { r, session: await session };
}
