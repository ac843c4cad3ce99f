/**
 * Real Debian 12 systems (debootstrap minbase + systemd, lvm2, cryptsetup, mdadm; see
 * debian-root.ts) booted through tsgenkernel images with Debian's kernel to multi-user. The
 * system's own sentinel unit reports what systemd saw (root/tsgk-sentinel). The acceptance of
 * project issue 20: swap active, no failed unit, nothing timed out, no second passphrase
 * prompt, state "running".
 */
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootFixture, type BootFixture } from '../fixture.js';
import { buildImageOk } from '../build-image.js';
import { distroDisks, distroMdadmConf, DISTRO, type DistroDisks } from './disks.js';
import { bootDistro, DISTRO_TEST_TIMEOUT_MS, type DistroBoot } from './boot-distro.js';

let fx: BootFixture;
let disks: DistroDisks;
const timings: string[] = [];

beforeAll(async () => {
  fx = bootFixture();
  const d = await distroDisks(fx);
  disks = d.disks;
  timings.push(
    d.made
      ? `disks: debootstrap ${d.made.debootstrapMs === null ? 'cached' : `${d.made.debootstrapMs} ms`}, prepared in ${d.made.prepareMs} ms`
      : 'disks: from the cache',
  );
}, 2_400_000);

afterAll(() => {
  if (timings.length) console.log(`Debian systems:\n  ${timings.join('\n  ')}`);
});

function image(name: string, args: string[]): string {
  const built = buildImageOk(fx, args, name);
  timings.push(`build ${name} (${args.join(' ') || 'no options'}): ${built.ms} ms`);
  return built.image;
}

/** What every clean boot to multi-user shows, whatever the storage. */
function expectCleanBoot(b: DistroBoot, root: RegExp): void {
  timings.push(`${b.seen.root ?? 'no report'}: ${b.reachedRoot ? `reported after ${b.ms} ms` : `no report, QEMU exited after ${b.totalMs} ms`}; ${b.seen.startup ?? ''}`);
  expect(b.reachedRoot, b.report).toBe(true);
  expect(b.seen.root, b.report).toMatch(root);
  expect(b.seen.failed, b.report).toBe('none');
  expect(b.seen['timed-out'], b.report).toBe('0');
  expect(b.seen.state, b.report).toBe('running');
}

describe('Debian 12 systems to multi-user', () => {
  test('plain ext4 root on a GPT partition (root=UUID=)', async () => {
    const b = await bootDistro(fx, 'plain', image('distro-plain', []), [disks.plain], `root=UUID=${DISTRO.plainRootUuid}`);
    expectCleanBoot(b, /^\/dev\/vda1$/);
  }, DISTRO_TEST_TIMEOUT_MS);

  test('md RAID1 root (metadata 1.2, mdadm.conf in the root and the image)', async () => {
    const conf = join(fx.scratch, 'distro-mdadm.conf');
    writeFileSync(conf, distroMdadmConf());
    const b = await bootDistro(fx, 'raid', image('distro-raid', ['--mdadm', `--mdadm-config=${conf}`]), [disks.raidA, disks.raidB], `domdadm root=UUID=${DISTRO.raidRootUuid}`);
    expectCleanBoot(b, /^\/dev\/md/);
  }, DISTRO_TEST_TIMEOUT_MS);

  test("the installer's encrypted LVM: LUKS2 argon2id, debian-vg root + swap_1, crypttab vda3_crypt", async () => {
    const b = await bootDistro(
      fx,
      'luks-lvm',
      image('distro-luks-lvm', ['--luks', '--lvm']),
      [disks.luks],
      `crypt_root=UUID=${DISTRO.luksUuid} dolvm root=${DISTRO.rootMapper}`,
      { passphrase: true },
    );
    expectCleanBoot(b, new RegExp(`^${DISTRO.rootMapper}$`));
    // fstab's swap LV is on, and /boot (ext2 by UUID) got mounted (else a failed unit above).
    expect(b.seen.swap, b.report).toMatch(/^\/dev\//);
    // No second prompt: none on the console, none asked in the journal, none left pending.
    expect(b.consolePrompts, b.report).toBe(0);
    expect(b.seen['passphrase-prompts'], b.report).toBe('0');
    expect(b.seen['passphrase-pending'], b.report).toBe('0');
  }, DISTRO_TEST_TIMEOUT_MS);

  test('by hand: LUKS2 root (ext4 in it) + LUKS2 swap under crypttab names, and a random-key swap left to the real system', async () => {
    const c = DISTRO.cryptswap;
    // Our init opens the swap as /dev/mapper/swap (the resume device) and the root as
    // /dev/mapper/root, asking twice; after the root is mounted both take their crypttab names.
    const b = await bootDistro(
      fx,
      'cryptswap',
      image('distro-cryptswap', ['--luks']),
      [disks.cryptswap],
      `crypt_root=UUID=${c.rootLuksUuid} crypt_swap=UUID=${c.swapLuksUuid} resume=/dev/mapper/swap root=/dev/mapper/root`,
      { passphrase: true, prompts: 2 },
    );
    expectCleanBoot(b, /^\/dev\/(mapper\/(root|vda1_crypt)|dm-\d+)$/);
    const mapper = Object.fromEntries((b.seen.mapper ?? '').split(' ').map((e) => e.split('=') as [string, string]));
    // Exactly the crypttab's names: ours renamed, the random-key swap made by systemd-cryptsetup.
    expect(Object.keys(mapper).sort(), b.report).toEqual([c.randomSwapName, c.rootName, c.swapName].sort());
    // Both swaps on: the LUKS swap our init opened and the real system's random-key one.
    const swaps = (b.seen.swap ?? '').split(' ');
    expect(swaps, b.report).toContain(mapper[c.swapName]);
    expect(swaps, b.report).toContain(mapper[c.randomSwapName]);
    expect(b.consolePrompts, b.report).toBe(0);
    expect(b.seen['passphrase-prompts'], b.report).toBe('0');
    expect(b.seen['passphrase-pending'], b.report).toBe('0');
    // The init said what it renamed (mappings.sh), and that the swap held no image (resume.sh).
    expect(b.output, b.report).toContain(`renamed to ${c.swapName}`);
    expect(b.output, b.report).toContain(`renamed to ${c.rootName}`);
    expect(b.output, b.report).toMatch(/resume: no hibernation image on \/dev\/mapper\/swap/);
  }, DISTRO_TEST_TIMEOUT_MS);
});
