/**
 * Boot time of real Debian 12 systems to multi-user (test/boot/distro: debootstrapped root,
 * systemd, the sentinel unit that reports when `systemctl is-system-running --wait` returns),
 * through our image and through Debian's own initramfs on the same disk: the host's mkinitramfs
 * (MODULES=most) for the plain disk; for the encrypted installer disk the image Debian's
 * initramfs-tools + cryptsetup-initramfs + lvm2 make for that system
 * (test/boot/distro/debian-initramfs.ts), which asks for the passphrase at its own prompt.
 */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { BootFixture } from '../test/boot/fixture.js';
import { distroDisks, DISTRO } from '../test/boot/distro/disks.js';
import { bootDistro } from '../test/boot/distro/boot-distro.js';
import { debianInitramfs } from '../test/boot/distro/debian-initramfs.js';
import { ours, mkinitramfs, type Invocation, type OursSetup } from './tools.js';
import { median } from './measure.js';
import { mib, secs, table } from './report.js';

function built(inv: Invocation): string {
  inv.reset();
  execFileSync(inv.cmd, inv.args, { env: inv.env, stdio: 'ignore', timeout: 900_000 });
  return inv.image();
}

interface Image {
  label: string;
  /** Builds (or takes from a cache) the image; its path. */
  make: () => string;
  /** The kernel command line for this image (a scenario's own when unset). */
  append?: string;
  /** The initramfs's passphrase prompt (ours when unset). */
  prompt?: string;
}

interface Scenario {
  name: string;
  disk: string;
  append: string;
  passphrase: boolean;
  images: Image[];
}

const invoked = (label: string, inv: Invocation): Image => ({ label, make: () => built(inv) });

/** Markdown: one row per (system, initramfs), `boots` boots each, median QEMU start to the sentinel's report. */
export async function distroSection(fx: BootFixture, setup: OursSetup, boots: number): Promise<string> {
  const { disks } = await distroDisks(fx);
  const work = join(setup.work, 'distro');
  const debian = debianInitramfs(setup.kv);
  const scenarios: Scenario[] = [
    {
      name: 'plain ext4',
      disk: disks.plain,
      append: `root=UUID=${DISTRO.plainRootUuid}`,
      passphrase: false,
      images: [invoked('tsgenkernel', ours({ ...setup, work }, 'generic', 'distro-plain')), invoked('mkinitramfs', mkinitramfs(work, setup.kv, 'generic'))],
    },
    {
      name: 'LUKS2 + LVM (installer layout)',
      disk: disks.luks,
      append: `crypt_root=UUID=${DISTRO.luksUuid} dolvm root=${DISTRO.rootMapper}`,
      passphrase: true,
      images: [
        invoked('tsgenkernel --luks --lvm', ours({ ...setup, work }, 'generic', 'distro-luks-lvm', ['--luks', '--lvm'])),
        { label: "Debian's: initramfs-tools + cryptsetup-initramfs + lvm2", make: () => debian.image, append: debian.append, prompt: debian.prompt },
      ],
    },
  ];
  const rows: string[][] = [];
  for (const s of scenarios) {
    for (const { label, make, append, prompt } of s.images) {
      const image = make();
      const ok: number[] = [];
      let last = '';
      let early = '';
      for (let i = 0; i < boots; i++) {
        const b = await bootDistro(fx, `bench-${rows.length}-${i}`, image, [s.disk], append ?? s.append, { passphrase: s.passphrase, prompt });
        if (b.reachedRoot) ok.push(b.ms);
        // systemd's "(kernel)" share: firmware-less QEMU, so kernel plus initramfs up to switch_root.
        early = /in (.+?) \(kernel\)/.exec(b.seen.startup ?? '')?.[1] ?? '?';
        last = `${b.seen.state ?? 'no report'}; failed: ${b.seen.failed ?? '?'}; timed out: ${b.seen['timed-out'] ?? '?'}; swap: ${b.seen.swap ?? '?'}`;
      }
      rows.push([s.name, label, mib(statSync(image).size), ok.length ? secs(median(ok)) : 'no report', ok.map((x) => secs(x, 1)).join(', '), `${ok.length}/${boots}`, early, last]);
    }
  }
  return [
    '\n## Debian 12 systems: QEMU (TCG, 1 GiB) start to multi-user (the sentinel unit\'s report after `systemctl is-system-running --wait`)\n',
    table(['system', 'initramfs', 'MiB', 'median s', 'each s', 'reported', 'last boot: kernel + initramfs (systemd-analyze)', 'last boot: state; failed units; timed out; swap'], rows),
    `\nDebian's encrypted-LVM image: made by ${debian.versions}, in a chroot of a copy of the debootstrapped root with the kernel's module tree bound in (MODULES=most, zstd; ${mib(debian.bytes)} MiB, mkinitramfs ${secs(debian.mkinitramfsMs)} s${debian.built ? '' : ', earlier, taken from the cache'}). ` +
      'In a chroot cryptsetup-initramfs cannot trace the mounted root to the container, so the crypttab it was generated from is the disk\'s own line plus the `initramfs` option ' +
      `(the image holds \`${debian.crypttab}\`); RESUME=none, as our image gets no resume= either; FSTYPE=ext4, what the fsck hook would probe on the system (so fsck.ext4 is in). ` +
      `It boots with \`${debian.append}\` (what the system's grub entry passes), unlocks ${DISTRO.cryptName} at its "${debian.prompt}" prompt (the bench types the passphrase, as for ours), and lvm2's udev rules activate the VG.`,
  ].join('\n');
}
