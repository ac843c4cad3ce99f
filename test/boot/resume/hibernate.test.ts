/**
 * Hibernation resume (project issue 15): the root disk's init turns a swap on, keeps a random
 * mark in memory and hibernates (hibernate-init); a second QEMU run of the same kernel and image
 * resumes, and the resumed script prints the same mark. The swap is a writable copy per test
 * (the image is written into it); the root stays read-only. Also: noresume leaves an image
 * alone, a swap inside LUKS (crypt_swap=, passphrase typed once per boot, or a key file on a vfat
 * stick), and a resume device that never appears.
 */
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootFixture, REPO, type BootFixture } from '../fixture.js';
import { bootImage, initLines, type BootResult } from '../qemu.js';
import { buildImageOk } from '../build-image.js';
import { expectRealRoot } from '../one-root.js';
import { hostDisk, rootTree, writableCopy } from '../storage/host-disks.js';
import { cryptDisks, CRYPT } from '../storage/crypt-disks.js';

const HIBERNATE_INIT = join(REPO, 'test', 'boot', 'root-disk', 'hibernate-init');
const SWAP_PARTUUID = '5a1e0000-5a4b-4c00-8000-00000000517a';
const SWAP_KEY = 'a swap key file kept on a vfat stick\n';

let fx: BootFixture;
let image: string;
let root: string;
let plainSwap: string;
let cryptSwap: string;
let work: string;
const timings: string[] = [];

beforeAll(async () => {
  fx = bootFixture();
  work = mkdtempSync(join(fx.scratch, 'hibernate-'));
  const built = buildImageOk(fx, ['--luks'], 'hibernate');
  timings.push(`build --luks: ${built.ms} ms`);
  image = built.image;
  root = hostDisk(fx, 'hibernate-root', { fs: 'ext4', label: 'tsgkhib', mb: 32, tree: rootTree(HIBERNATE_INIT) });
  plainSwap = hostDisk(fx, 'plain-swap', { fs: 'swap', label: 'tsgkswap', mb: 160, partUuid: SWAP_PARTUUID });
  const c = await cryptDisks(fx);
  timings.push(`crypt disks: ${c.prepared ? `prepared in QEMU in ${c.ms} ms` : 'from the cache'}`);
  cryptSwap = c.disks.cswap;
}, 900_000);

afterAll(() => {
  if (timings.length) console.log(`hibernation:\n  ${timings.join('\n  ')}`);
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Decoy (vda), the root (vdb), then `swap` as a writable vdc, then `more` (vdd...). */
async function boot(label: string, swap: string, append: string, passphrase = false, more: string[] = []): Promise<BootResult> {
  const r = await bootImage({
    kernel: fx.kernel,
    initramfs: image,
    disks: [fx.decoyDisk, root],
    extraArgs: ['-drive', `file=${swap},if=virtio,format=raw`, ...more.flatMap((d) => ['-drive', `file=${d},if=virtio,format=raw,snapshot=on`])],
    append,
    timeoutMs: 240_000,
    ...(passphrase ? { typeOn: [{ after: 'Enter passphrase for', text: `${CRYPT.passphrase}\n` }] } : {}),
  });
  timings.push(`${label}: ${r.reachedRoot ? `root reached in ${r.ms} ms` : `no root, QEMU exited after ${r.totalMs} ms`}`);
  return r;
}

/** The first run: the swap has no image yet (said in one line), the root's init hibernates. */
function expectHibernated(r: BootResult, swapDev: string): string {
  const lines = initLines(r.output);
  expect(r.output, lines).toContain(`resume: no hibernation image on ${swapDev} (a plain swap area): booting normally`);
  const mark = /TSGK-MARK-SET: ([0-9a-f]{16})/.exec(r.output)?.[1];
  expect(mark, lines).toBeDefined();
  expect(r.output, lines).not.toContain('TSGK-HIBERNATE-FAILED');
  expect(r.reachedRoot, lines).toBe(false);
  expect(r.timedOut, lines).toBe(false);
  return mark!;
}

function expectResumed(r: BootResult, swapDev: string, mark: string): void {
  expect(r.output, initLines(r.output)).toContain(`resume: resuming from ${swapDev}`);
  expect(r.output, initLines(r.output)).toContain(`TSGK-RESUMED: ${mark}`);
  expectRealRoot(r);
}

describe('resume from hibernation', () => {
  test('plain swap partition (resume=PARTUUID=): hibernate, noresume leaves the image, then the next boot resumes', async () => {
    const swap = writableCopy(plainSwap, work, 'plain-swap');
    const resume = `root=/dev/vdb resume=PARTUUID=${SWAP_PARTUUID}`;
    const mark = expectHibernated(await boot('plain swap: hibernate', swap, `${resume} tsgk.hibernate=/dev/vdc1`), '/dev/vdc1');

    const skipped = await boot('plain swap: noresume', swap, `${resume} noresume`);
    expect(skipped.output).toContain(`resume: noresume given: not resuming from PARTUUID=${SWAP_PARTUUID}`);
    expect(skipped.output).not.toContain('TSGK-RESUMED');
    expectRealRoot(skipped);

    expectResumed(await boot('plain swap: resume', swap, resume), '/dev/vdc1', mark);
  }, 900_000);

  test('swap inside LUKS (crypt_swap=, passphrase typed once per boot): the opened swap is the resume device', async () => {
    const swap = writableCopy(cryptSwap, work, 'crypt-swap');
    const crypt = `root=/dev/vdb crypt_swap=UUID=${CRYPT.cswapUuid}`;
    const first = await boot('LUKS swap: hibernate', swap, `${crypt} tsgk.hibernate=/dev/mapper/swap`, true);
    expect(first.output).toContain('luks: /dev/vdc is open as /dev/mapper/swap');
    const mark = expectHibernated(first, '/dev/mapper/swap');
    const second = await boot('LUKS swap: resume', swap, crypt, true);
    expect(second.output.match(/Enter passphrase for/g)).toHaveLength(1);
    expectResumed(second, '/dev/mapper/swap', mark);
  }, 900_000);

  test('swap inside LUKS opened with a key file on a vfat stick (swap_key=, swap_keydev=): no passphrase, hibernate, resume', async () => {
    const swap = writableCopy(cryptSwap, work, 'crypt-swap-keyfile');
    const keyfile = join(work, 'swap.key');
    writeFileSync(keyfile, SWAP_KEY);
    // A second key slot holding the key file, added on the host: header only, no device-mapper.
    execFileSync('cryptsetup', ['luksAddKey', '--batch-mode', '--pbkdf', 'pbkdf2', '--pbkdf-force-iterations', '1000', '--key-file=-', swap, keyfile], { input: CRYPT.passphrase });
    const stick = hostDisk(fx, 'swap-key-vfat', { fs: 'vfat', label: 'SWAPKEYS', uuid: '5a4b3c2d', mb: 8, tree: { 'keys/swap.key': SWAP_KEY } });
    const crypt = `root=/dev/vdb crypt_swap=UUID=${CRYPT.cswapUuid} swap_key=/keys/swap.key swap_keydev=UUID=5A4B-3C2D`;
    const first = await boot('LUKS swap, key file: hibernate', swap, `${crypt} tsgk.hibernate=/dev/mapper/swap`, false, [stick]);
    expect(first.output, initLines(first.output)).toContain('luks: opening /dev/vdc with key file /keys/swap.key on /dev/vdd');
    const mark = expectHibernated(first, '/dev/mapper/swap');
    const second = await boot('LUKS swap, key file: resume', swap, crypt, false, [stick]);
    expect(second.output).not.toContain('Enter passphrase');
    expectResumed(second, '/dev/mapper/swap', mark);
  }, 900_000);

  test('a resume device that never appears: one line after the bounded wait, then the normal boot', async () => {
    const r = await boot('resume device missing', writableCopy(plainSwap, work, 'unused-swap'), 'root=/dev/vdb resume=UUID=00000000-dead-4bee-8f00-000000000000');
    expect(r.output).toContain('resume: resume device UUID=00000000-dead-4bee-8f00-000000000000 did not appear within 10 s: booting without resuming');
    expectRealRoot(r);
  }, 300_000);
});
