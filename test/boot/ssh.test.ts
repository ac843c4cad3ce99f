/**
 * SSH in the initramfs (--ssh, dosshd): the guest's network is QEMU user-mode networking with
 * one forwarded port on 127.0.0.1, nothing else. The test logs in with a key made here, runs
 * commands inside the initramfs, and unlocks a LUKS root remotely with gk-unlock.
 * The LUKS disk is prepared inside a guest (the host has no device-mapper): the same image,
 * booted with a blank second disk, formats it over SSH and copies the fixture's root into it.
 */
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { bootFixture, type BootFixture } from './fixture.js';
import { bootImage, initLines } from './qemu.js';
import { buildImageOk } from './build-image.js';
import { readImage } from '../../src/image/read-image.js';
import { expectRealRoot, oneRootDisks, ROOT_DEVICE } from './one-root.js';
import { bootWithSsh, freePort, sshCommand, userNetArgs } from './net/guest-net.js';

let fx: BootFixture;
let work: string;
let key: string;
let image: string;
const PASS = 'tsgk remote unlock';
const timings: string[] = [];

const netArgs = (port: number) => userNetArgs(port);
const ssh = (port: number, command: string, input?: string) => sshCommand(key, port, command, input);

beforeAll(() => {
  fx = bootFixture();
  work = mkdtempSync(join(fx.scratch, 'ssh-'));
  key = join(work, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'tsgk-test', '-f', key]);
  writeFileSync(join(work, 'authorized_keys'), readFileSync(`${key}.pub`));
  const built = buildImageOk(fx, ['--ssh', '--luks', `--ssh-authorized-keys-file=${join(work, 'authorized_keys')}`, '--ssh-host-keys=runtime'], 'ssh');
  timings.push(`build --ssh --luks: ${built.ms} ms`);
  image = built.image;
}, 900_000);

afterAll(() => {
  if (timings.length) console.log(`ssh boot timings:\n  ${timings.join('\n  ')}`);
});

describe('boot: SSH in the initramfs', () => {
  test('the image carries dropbear, its libraries, the key, gk-unlock and the network driver', async () => {
    // Every archive part (GNU cpio would stop at the first segment's trailer).
    const files = (await readImage(readFileSync(image))).flatMap((p) => p.entries.map((e) => e.name));
    for (const f of ['usr/sbin/dropbear', 'root/.ssh/authorized_keys', 'usr/sbin/gk-unlock', 'usr/sbin/unlock-luks', 'etc/initrd.d/25-ssh.sh', 'etc/gk-udhcpc.script']) {
      expect(files).toContain(f);
    }
    expect(files.some((f) => /virtio_net\.ko/.test(f))).toBe(true);
    expect(files.some((f) => /lib(64)?\/.*libc\.so\.6$/.test(f) || f.endsWith('/libc.so.6'))).toBe(true);
  });

  test('login with a key over ip=dhcp, run a command in the initramfs, resume-boot reaches the root', async () => {
    const port = await freePort();
    let session: Promise<{ code: number; out: string }> | undefined;
    const started = performance.now();
    let loginMs = 0;
    const r = await bootImage({
      kernel: fx.kernel,
      initramfs: image,
      disks: oneRootDisks(fx),
      append: `root=${ROOT_DEVICE} dosshd ip=dhcp gk.sshd.wait=180`,
      timeoutMs: 240_000,
      extraArgs: netArgs(port),
      onOutput: (out) => {
        if (!session && out.includes('ssh: waiting')) {
          session = ssh(port, 'echo "IN-INITRAMFS pid1=$(cat /proc/1/comm) root=$(ls /newroot | wc -l)"; resume-boot').then((s) => {
            loginMs = Math.round(performance.now() - started);
            return s;
          });
        }
      },
    });
    const s = await session;
    timings.push(`dhcp login + command: ${loginMs} ms after QEMU start; root reached at ${r.ms} ms`);
    expect(s?.out, initLines(r.output)).toMatch(/IN-INITRAMFS pid1=init root=0/);
    expectRealRoot(r);
    expect(r.output).toContain('ssh: dropbear stopped');
    expect(r.output).toContain('net: eth0 deconfigured');
  }, 300_000);

  test('static ip= (the kernel syntax) works the same', async () => {
    const { r, session: s } = await bootWithSsh(
      {
        kernel: fx.kernel,
        initramfs: image,
        disks: oneRootDisks(fx),
        append: `root=${ROOT_DEVICE} dosshd ip=10.0.2.15::10.0.2.2:255.255.255.0:gkhost:eth0:off gk.sshd.wait=180`,
        timeoutMs: 240_000,
      },
      { key, when: 'ssh: waiting', command: 'echo "HOST=$(hostname) $(ip -4 -o addr show dev eth0)"; resume-boot' },
    );
    timings.push(`static ip= login: root reached at ${r.ms} ms`);
    expect(r.output).toContain('net: eth0 is 10.0.2.15/24 via 10.0.2.2');
    expect(s?.out).toMatch(/HOST=gkhost .*inet 10\.0\.2\.15\/24/);
    expectRealRoot(r);
  }, 300_000);

  test('remote LUKS unlock: gk-unlock over SSH opens crypt_root= and the boot continues', async () => {
    // 1. Make the LUKS disk inside a guest: blank vdb <- LUKS2 holding a copy of the root (vda).
    const luks = join(work, 'luks.img');
    writeFileSync(luks, '');
    truncateSync(luks, 64 * 1024 * 1024);
    const prepPort = await freePort();
    let prep: Promise<{ code: number; out: string }> | undefined;
    const script = [
      'set -e',
      '/sbin/modprobe dm_crypt',
      `printf %s '${PASS}' | cryptsetup luksFormat -q --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file=- /dev/vdb`,
      `printf %s '${PASS}' | cryptsetup open --key-file=- /dev/vdb prep`,
      'dd if=/dev/vda of=/dev/mapper/prep bs=1M 2>/dev/null',
      'sync',
      'cryptsetup close prep',
      'echo PREP-DONE',
      'resume-boot',
    ].join('\n');
    const p = await bootImage({
      kernel: fx.kernel,
      initramfs: image,
      disks: [fx.rootDisk],
      append: 'root=/dev/vda dosshd ip=dhcp gk.sshd.wait=240',
      timeoutMs: 300_000,
      extraArgs: [...netArgs(prepPort), '-drive', `file=${luks},if=virtio,format=raw`],
      onOutput: (out) => {
        if (!prep && out.includes('ssh: waiting')) prep = ssh(prepPort, script);
      },
    });
    const prepped = await prep;
    timings.push(`LUKS disk prepared in a guest: ${p.totalMs} ms`);
    expect(prepped?.out, initLines(p.output)).toContain('PREP-DONE');

    // 2. Boot from it; the passphrase comes over SSH only (the console stays silent).
    const port = await freePort();
    let unlock: Promise<{ code: number; out: string }> | undefined;
    const r = await bootImage({
      kernel: fx.kernel,
      initramfs: image,
      disks: [fx.decoyDisk, luks],
      append: 'crypt_root=/dev/vdb root=/dev/mapper/root dosshd ip=dhcp',
      timeoutMs: 300_000,
      extraArgs: netArgs(port),
      onOutput: (out) => {
        if (!unlock && out.includes('waits for its passphrase')) unlock = ssh(port, 'gk-unlock', `${PASS}\n`);
      },
    });
    const u = await unlock;
    timings.push(`remote unlock: root reached at ${r.ms} ms`);
    expect(u?.out, initLines(r.output)).toContain('is open as /dev/mapper/root; the boot continues');
    expectRealRoot(r, '/dev/mapper/root');
    expect(r.output).toContain('ssh: /dev/vdb is unlocked');
  }, 700_000);
});
