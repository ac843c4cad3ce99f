/**
 * ip=ADDR/CIDR with gk.net.gw= and gk.sshd.port=, booted: the guest takes QEMU user networking's
 * address statically (10.0.2.15/24 via 10.0.2.2), dropbear listens on the port asked for, a
 * key login from this machine's loopback runs a command inside the initramfs, and resume-boot
 * lets the boot reach the real root. An ip= the init cannot read: one line, no dropbear, and
 * the boot goes on to the local root (as genkernel does when its network does not start).
 */
import { describe, test, expect, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootFixture, type BootFixture } from '../fixture.js';
import { bootImage, initLines } from '../qemu.js';
import { buildImageOk } from '../build-image.js';
import { expectRealRoot, oneRootDisks, ROOT_DEVICE } from '../one-root.js';
import { bootWithSsh, freePort, userNetArgs } from './guest-net.js';

let fx: BootFixture;
let key: string;
let image: string;

beforeAll(() => {
  fx = bootFixture();
  const work = mkdtempSync(join(fx.scratch, 'net-ssh-'));
  key = join(work, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'tsgk-net', '-f', key]);
  writeFileSync(join(work, 'authorized_keys'), readFileSync(`${key}.pub`));
  image = buildImageOk(fx, ['--ssh', `--ssh-authorized-keys-file=${join(work, 'authorized_keys')}`, '--ssh-host-keys=runtime'], 'net-ssh').image;
}, 900_000);

describe('boot: static network for SSH', () => {
  test('ip=10.0.2.15/24 gk.net.gw=10.0.2.2 gk.sshd.port=2222: key login, then the real root', async () => {
    const { r, session: s } = await bootWithSsh(
      {
        kernel: fx.kernel,
        initramfs: image,
        disks: oneRootDisks(fx),
        append: `root=${ROOT_DEVICE} dosshd ip=10.0.2.15/24 gk.net.gw=10.0.2.2 gk.net.iface=eth0 gk.sshd.port=2222 gk.sshd.wait=180`,
        timeoutMs: 240_000,
      },
      {
        key,
        when: 'ssh: waiting',
        guestPort: 2222,
        command: 'echo "ADDR=$(ip -4 -o addr show dev eth0 | sed -n "s/.* inet \\([^ ]*\\).*/\\1/p") $(ip route show default)"; resume-boot',
      },
    );
    expect(r.output, initLines(r.output)).toContain('net: eth0 is 10.0.2.15/24 via 10.0.2.2');
    expect(r.output).toContain('ssh: dropbear listens on port 2222 (10.0.2.15/24)');
    expect(s?.out, initLines(r.output)).toMatch(/ADDR=10\.0\.2\.15\/24 default via 10\.0\.2\.2 dev eth0/);
    expectRealRoot(r);
    expect(r.output).toContain('net: eth0 deconfigured');
  }, 300_000);

  test('ip= that cannot be read: one clear line, no dropbear, the boot goes on to the root', async () => {
    const r = await bootImage({
      kernel: fx.kernel,
      initramfs: image,
      disks: oneRootDisks(fx),
      append: `root=${ROOT_DEVICE} dosshd ip=10.0.2.15/33 gk.sshd.wait=180`,
      timeoutMs: 120_000,
      extraArgs: userNetArgs(await freePort()),
    });
    expect(r.output, initLines(r.output)).toContain('!! ip=10.0.2.15/33 is not a form this init understands');
    expect(r.output).toContain('ssh: the network is not up, so dropbear is not started');
    expect(r.output).not.toContain('ssh: waiting');
    expectRealRoot(r);
  }, 180_000);
});
