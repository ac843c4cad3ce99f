/**
 * Debian's tgt (the user-space iSCSI target) for boot tests: a tgtd of the test's own on
 * 127.0.0.1 and a free port (QEMU user networking shows it to the guest as 10.0.2.2), one
 * target whose LUN 1 is a disk image file, CHAP and mutual CHAP accounts. Stopped by stop().
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { freePort } from './guest-net.js';

export interface TgtSpec {
  iqn: string;
  /** Disk image backing LUN 1 (written by the guest: pass a copy). */
  lun: string;
  /** CHAP: what the initiator logs in with. */
  user: string;
  password: string;
  /** Mutual CHAP: what the target answers with. */
  userIn?: string;
  passwordIn?: string;
}

export interface Tgt {
  port: number;
  stop(): Promise<void>;
}

export async function startTgt(spec: TgtSpec): Promise<Tgt> {
  const port = await freePort();
  // The control socket number keeps this tgtd apart from any other on the machine.
  // tgtadm takes 0..32767.
  const control = String(10_000 + (process.pid % 20_000));
  const child: ChildProcess = spawn('tgtd', ['-f', '-C', control, '--iscsi', `portal=127.0.0.1:${port}`], { stdio: 'ignore' });
  const adm = (...args: string[]) => execFileSync('tgtadm', ['-C', control, '--lld', 'iscsi', ...args], { stdio: 'pipe' });
  // tgtd makes its control socket shortly after it starts.
  for (let i = 0; ; i++) {
    try {
      adm('--op', 'show', '--mode', 'target');
      break;
    } catch (e) {
      if (i > 50) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  adm('--op', 'new', '--mode', 'target', '--tid', '1', '-T', spec.iqn);
  adm('--op', 'new', '--mode', 'logicalunit', '--tid', '1', '--lun', '1', '-b', spec.lun);
  adm('--op', 'bind', '--mode', 'target', '--tid', '1', '-I', 'ALL');
  adm('--op', 'new', '--mode', 'account', '--user', spec.user, '--password', spec.password);
  adm('--op', 'bind', '--mode', 'account', '--tid', '1', '--user', spec.user);
  if (spec.userIn && spec.passwordIn) {
    adm('--op', 'new', '--mode', 'account', '--user', spec.userIn, '--password', spec.passwordIn);
    adm('--op', 'bind', '--mode', 'account', '--tid', '1', '--user', spec.userIn, '--outgoing');
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    port,
    async stop() {
      // tgtd ignores SIGTERM while it has targets: ask it to shut down, then make sure.
      try {
        execFileSync('tgtadm', ['-C', control, '--op', 'delete', '--mode', 'system'], { stdio: 'ignore' });
      } catch {
        /* already gone */
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
