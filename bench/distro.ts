/**
 * Boot time of real Debian 12 systems to multi-user (test/boot/distro: debootstrapped root,
 * systemd, the sentinel unit that reports when `systemctl is-system-running --wait` returns),
 * through our image and through Debian's own initramfs (mkinitramfs, MODULES=most) on the same
 * disk. Debian's image unlocks LUKS only with cryptsetup-initramfs and the root's crypttab in
 * it, which the host does not have: the encrypted LVM row is ours alone.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { BootFixture } from '../test/boot/fixture.js';
import { distroDisks, DISTRO } from '../test/boot/distro/disks.js';
import { bootDistro } from '../test/boot/distro/boot-distro.js';
import { ours, mkinitramfs, type Invocation, type OursSetup } from './tools.js';
import { median } from './measure.js';
import { secs, table } from './report.js';

function built(inv: Invocation): string {
  inv.reset();
  execFileSync(inv.cmd, inv.args, { env: inv.env, stdio: 'ignore', timeout: 900_000 });
  return inv.image();
}

interface Scenario {
  name: string;
  disk: string;
  append: string;
  passphrase: boolean;
  images: Array<[string, Invocation]>;
}

/** Markdown: one row per (system, initramfs), `boots` boots each, median QEMU start to the sentinel's report. */
export async function distroSection(fx: BootFixture, setup: OursSetup, boots: number): Promise<string> {
  const { disks } = await distroDisks(fx);
  const work = join(setup.work, 'distro');
  const scenarios: Scenario[] = [
    {
      name: 'plain ext4',
      disk: disks.plain,
      append: `root=UUID=${DISTRO.plainRootUuid}`,
      passphrase: false,
      images: [
        ['tsgenkernel', ours({ ...setup, work }, 'generic', 'distro-plain')],
        ['mkinitramfs', mkinitramfs(work, setup.kv, 'generic')],
      ],
    },
    {
      name: 'LUKS2 + LVM (installer layout)',
      disk: disks.luks,
      append: `crypt_root=UUID=${DISTRO.luksUuid} dolvm root=${DISTRO.rootMapper}`,
      passphrase: true,
      images: [['tsgenkernel --luks --lvm', ours({ ...setup, work }, 'generic', 'distro-luks-lvm', ['--luks', '--lvm'])]],
    },
  ];
  const rows: string[][] = [];
  for (const s of scenarios) {
    for (const [label, inv] of s.images) {
      const image = built(inv);
      const ok: number[] = [];
      let last = '';
      for (let i = 0; i < boots; i++) {
        const b = await bootDistro(fx, `bench-${rows.length}-${i}`, image, [s.disk], s.append, { passphrase: s.passphrase });
        if (b.reachedRoot) ok.push(b.ms);
        last = `${b.seen.state ?? 'no report'}; failed: ${b.seen.failed ?? '?'}; timed out: ${b.seen['timed-out'] ?? '?'}; swap: ${b.seen.swap ?? '?'}`;
      }
      rows.push([s.name, label, ok.length ? secs(median(ok)) : 'no report', ok.map((x) => secs(x, 1)).join(', '), `${ok.length}/${boots}`, last]);
    }
  }
  return [
    '\n## Debian 12 systems: QEMU (TCG, 1 GiB) start to multi-user (the sentinel unit\'s report after `systemctl is-system-running --wait`)\n',
    table(['system', 'initramfs', 'median s', 'each s', 'reported', 'last boot: state; failed units; timed out; swap'], rows),
    '\nDebian\'s initramfs needs cryptsetup-initramfs and the crypttab inside it to unlock LUKS; the host has neither, so the encrypted row is ours alone.',
  ].join('\n');
}
