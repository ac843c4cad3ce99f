/**
 * --tpm2 (project issue 16): a LUKS2 root enrolled with systemd-cryptenroll --tpm2-device=auto
 * inside a preparer guest with a software TPM (swtpm) attached, then booted with an image built
 * by `tsgenkernel initramfs --luks --tpm2`: the same TPM unlocks without typing; a fresh TPM
 * and no TPM at all fall back to the typed passphrase, each said in one line.
 */
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { bootFixture, type BootFixture } from './fixture.js';
import { bootImage, initLines, type BootResult } from './qemu.js';
import { buildImageOk, listImage } from './build-image.js';
import { enrolledDisk, TPM_DISK, type EnrolledDisk } from './tpm2/disk.js';
import { startSwtpm } from './tpm2/swtpm.js';
import { expectRealRoot } from './one-root.js';

let fx: BootFixture;
let work: string;
let enrolled: EnrolledDisk;
let image: string;
const timings: string[] = [];

beforeAll(async () => {
  fx = bootFixture();
  work = mkdtempSync(join(fx.scratch, 'tpm2-'));
  enrolled = await enrolledDisk(fx, join(work, 'prepared'));
  timings.push(`disk prepared and enrolled in QEMU in ${enrolled.ms} ms`);
  const built = buildImageOk(fx, ['--luks', '--tpm2'], 'tpm2');
  timings.push(`build --luks --tpm2: ${built.ms} ms`);
  image = built.image;
}, 900_000);

afterAll(() => {
  if (timings.length) console.log(`tpm2:\n  ${timings.join('\n  ')}`);
  if (work) rmSync(work, { recursive: true, force: true });
});

const APPEND = `crypt_root=UUID=${TPM_DISK.luksUuid} root=/dev/mapper/root`;
const typePassphrase = [{ after: 'Enter passphrase for', text: `${TPM_DISK.passphrase}\n` }];

/** Boots the enrolled disk; `tpm`: the enrolled TPM (a copy of its state), a new one, or none. */
async function boot(label: string, tpm: 'enrolled' | 'fresh' | 'none', typeOn?: typeof typePassphrase): Promise<BootResult> {
  const stateDir = join(work, `tpm-${tpm}-${Date.now()}`);
  if (tpm === 'enrolled') cpSync(enrolled.tpmState, stateDir, { recursive: true, filter: (src) => !src.endsWith('.sock') });
  const swtpm = tpm === 'none' ? undefined : await startSwtpm(stateDir);
  try {
    const r = await bootImage({ kernel: fx.kernel, initramfs: image, disks: [fx.decoyDisk, enrolled.disk], append: APPEND, timeoutMs: 240_000, extraArgs: swtpm?.qemuArgs ?? [], ...(typeOn ? { typeOn } : {}) });
    timings.push(`${label}: ${r.reachedRoot ? `root reached in ${r.ms} ms` : `no root, QEMU exited after ${r.totalMs} ms`}`);
    return r;
  } finally {
    swtpm?.stop();
  }
}

describe('--tpm2', () => {
  test('the image carries the token plugin, its closure, the dlopened TSS2 libraries and the fragment', () => {
    const files = listImage(image);
    for (const f of ['lib/x86_64-linux-gnu/cryptsetup/libcryptsetup-token-systemd-tpm2.so', 'usr/lib/x86_64-linux-gnu/systemd/libsystemd-shared-252.so', 'etc/initrd.d/29-luks-token.sh', 'etc/initrd.d/30-luks.sh']) {
      expect(files.some((x) => x === f || (f.includes('systemd-shared') && /systemd\/libsystemd-shared-\d+\.so$/.test(x))), f).toBe(true);
    }
    for (const lib of ['libtss2-esys.so.0', 'libtss2-rc.so.0', 'libtss2-mu.so.0', 'libtss2-tcti-device.so.0']) expect(files).toContain(`lib/x86_64-linux-gnu/${lib}`);
  });

  test('the TPM the disk was enrolled with unlocks it, nothing typed', async () => {
    const r = await boot('enrolled TPM', 'enrolled');
    expectRealRoot(r, '/dev/mapper/root');
    expect(r.output).toContain('tpm2: /dev/vdb unlocked by its token');
    expect(r.output).not.toContain('Enter passphrase for');
  }, 400_000);

  test('a fresh TPM refuses, says so in one line, and the typed passphrase opens the root', async () => {
    const r = await boot('fresh TPM, passphrase typed', 'fresh', typePassphrase);
    expectRealRoot(r, '/dev/mapper/root');
    const refused = r.output.split(/\r?\n/).filter((l) => l.includes('tpm2: the TPM refused to unlock /dev/vdb'));
    expect(refused, initLines(r.output)).toHaveLength(1);
    expect(r.output).toContain('luks: /dev/vdb is open as /dev/mapper/root');
  }, 400_000);

  test('no TPM device: one line, then the typed passphrase', async () => {
    const r = await boot('no TPM, passphrase typed', 'none', typePassphrase);
    expectRealRoot(r, '/dev/mapper/root');
    expect(r.output).toMatch(/tpm2: \/dev\/vdb is enrolled with a TPM but this machine shows none/);
  }, 400_000);
});
