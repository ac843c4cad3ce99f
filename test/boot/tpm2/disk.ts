/**
 * The TPM2 scenario's disk and TPM state, made inside a QEMU guest with the same software TPM
 * attached: a LUKS2 root enrolled with systemd-cryptenroll --tpm2-device=auto (PCR 7), exactly
 * as a user enrolls. The preparer image carries systemd-cryptenroll with its library closure and
 * the TSS2 libraries it dlopens (src/elf). Made fresh for each run: the TPM state and the disk
 * belong together, and it takes about half a minute under TCG.
 */
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImageTree } from '../../../src/image/image-tree.js';
import { writeImage } from '../../../src/image/write-image.js';
import { addHostBinary } from '../../../src/elf/add-host-binary.js';
import { TPM2_TOKEN } from '../../../src/features/tpm2.js';
import { loadModuleIndex, resolveModules } from '../../../src/kmod/resolver.js';
import { bootImage } from '../qemu.js';
import { ROOT_DISK_INIT, type BootFixture } from '../fixture.js';
import { PREPARER_LIB_SH } from '../preparer-image.js';
import { startSwtpm } from './swtpm.js';

const HERE = dirname(fileURLToPath(import.meta.url));

export const TPM_DISK = {
  passphrase: 'tsgk tpm fallback',
  luksLabel: 'tsgktpm',
  luksUuid: '3c4d5e6f-7081-4a2b-b4c5-d6e7f8091a2b',
} as const;

const TOOLS: Array<[string, string, string[]]> = [
  ['/bin/kmod', 'sbin/modprobe', []],
  ['/sbin/cryptsetup', 'sbin/cryptsetup', ['libgcc_s.so.1']],
  ['/sbin/mke2fs', 'sbin/mke2fs', []],
  ['/usr/bin/systemd-cryptenroll', 'usr/bin/systemd-cryptenroll', TPM2_TOKEN.dlopened],
];
const MODULES = ['virtio_pci', 'virtio_blk', 'crc32c_generic', 'ext4', 'dm_mod', 'dm_crypt', 'xts', 'af_alg', 'algif_skcipher', 'algif_hash'];

async function buildPreparer(fx: BootFixture, dest: string): Promise<void> {
  const image = new ImageTree();
  for (const d of ['proc', 'sys', 'dev', 'run', 'tmp', 'mnt']) image.ensureDir(d);
  image.addDevice('dev/console', 'chardev', 5, 1);
  image.addFile('bin/busybox', '/bin/busybox', 0o755);
  image.addFile('init', join(HERE, 'prepare.sh'), 0o755);
  image.addFile('preparer-lib.sh', PREPARER_LIB_SH, 0o644);
  const env = { PASSPHRASE: TPM_DISK.passphrase, LUKS_LABEL: TPM_DISK.luksLabel, LUKS_UUID: TPM_DISK.luksUuid };
  image.addFile('prepare.env', Buffer.from(Object.entries(env).map(([k, v]) => `${k}='${v}'\n`).join('')));
  for (const [host, inImage, dlopened] of TOOLS) await addHostBinary(image, host, inImage, { dlopened });
  const moduleDir = `/lib/modules/${fx.kv}`;
  const plan = resolveModules(await loadModuleIndex(moduleDir, { modprobeDirs: [] }), MODULES);
  if (plan.missing.length > 0) throw new Error(`tpm2 preparer: modules not found: ${plan.missing.join(' ')}`);
  for (const m of plan.modules) image.addFile(`lib/modules/${fx.kv}/${m.relPath}`, join(moduleDir, m.relPath));
  for (const f of ['modules.dep', 'modules.dep.bin', 'modules.alias.bin', 'modules.softdep', 'modules.symbols.bin', 'modules.builtin.bin', 'modules.builtin.alias.bin']) {
    image.addFile(`lib/modules/${fx.kv}/${f}`, join(moduleDir, f));
  }
  for (const d of ['bin', 'sbin', 'proc', 'sys', 'dev', 'run', 'tmp']) image.ensureDir(`rootfs/${d}`);
  image.addFile('rootfs/bin/busybox', '/bin/busybox', 0o755);
  image.addFile('rootfs/sbin/init', ROOT_DISK_INIT, 0o755);
  await writeImage(image, dest, { compressor: { name: 'none', level: 0 }, mtime: 0 });
}

export interface EnrolledDisk {
  disk: string;
  /** The TPM the disk is enrolled with; boot with a copy of it (swtpm writes its state). */
  tpmState: string;
  ms: number;
}

/** A LUKS2 disk enrolled with a software TPM whose state is in `work`/tpm. */
export async function enrolledDisk(fx: BootFixture, work: string): Promise<EnrolledDisk> {
  const started = performance.now();
  mkdirSync(work, { recursive: true });
  const preparer = join(work, 'preparer.cpio');
  await buildPreparer(fx, preparer);
  const disk = join(work, 'tpm-luks.img');
  writeFileSync(disk, '');
  truncateSync(disk, 48 * 1024 * 1024);
  const tpmState = join(work, 'tpm');
  const tpm = await startSwtpm(tpmState);
  try {
    const r = await bootImage({
      kernel: fx.kernel,
      initramfs: preparer,
      append: 'quiet',
      extraArgs: ['-drive', `file=${disk},if=virtio,format=raw`, ...tpm.qemuArgs],
      timeoutMs: 300_000,
    });
    writeFileSync(join(work, 'prepare.log'), r.output);
    if (!r.output.includes('TSGK-PREPARED') || r.output.includes('TSGK-PREPARE-FAILED')) {
      throw new Error(`TPM2 disk preparation failed (log: ${join(work, 'prepare.log')}):\n${r.output.split(/\r?\n/).slice(-30).join('\n')}`);
    }
  } finally {
    tpm.stop();
  }
  return { disk, tpmState, ms: Math.round(performance.now() - started) };
}
