import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { decompress } from '../decompress.js';
import { ImageTree } from '../image/image-tree.js';

/**
 * The early microcode archive (Documentation/arch/x86/microcode.rst): an uncompressed newc cpio
 * in front of the initramfs, holding one blob per vendor at a fixed path. The kernel's early
 * loader scans it before anything is unpacked, picks the patch for the boot CPU and applies it.
 *   Intel: kernel/x86/microcode/GenuineIntel.bin = the intel-ucode/FF-MM-SS files concatenated
 *   AMD:   kernel/x86/microcode/AuthenticAMD.bin = the amd-ucode/microcode_amd*.bin containers
 *          concatenated (the loader walks container after container)
 */
export type MicrocodeVendor = 'intel' | 'amd';
export type MicrocodeChoice = 'all' | 'amd' | 'intel' | 'none';

export const EARLY_PATHS: Record<MicrocodeVendor, string> = {
  intel: 'kernel/x86/microcode/GenuineIntel.bin',
  amd: 'kernel/x86/microcode/AuthenticAMD.bin',
};

const VENDOR_DIRS: Record<MicrocodeVendor, string> = { intel: 'intel-ucode', amd: 'amd-ucode' };

export function vendorsOf(choice: MicrocodeChoice): MicrocodeVendor[] {
  return choice === 'all' ? ['intel', 'amd'] : choice === 'none' ? [] : [choice];
}

/** An Intel update starts with header version 1 and loader revision 1 (both u32 LE). */
export function isIntelUpdate(data: Buffer): boolean {
  return data.length >= 48 && data.readUInt32LE(0) === 1 && data.readUInt32LE(20) === 1;
}

/** An AMD container starts with the magic "DMA\0" (0x00414d44 LE). */
export function isAmdContainer(data: Buffer): boolean {
  return data.length >= 12 && data.readUInt32LE(0) === 0x00414d44;
}

/** Distributions that compress linux-firmware ship ucode as .xz or .zst: the blob must be raw. */
async function readMaybeCompressed(path: string): Promise<Buffer> {
  const data = await readFile(path);
  if (path.endsWith('.xz')) return decompress('xz', data);
  if (path.endsWith('.zst')) return decompress('zstd', data);
  return data;
}

export interface VendorBlob {
  vendor: MicrocodeVendor;
  /** Files that went in, sorted, relative to the firmware dir. */
  files: string[];
  /** Files present but not in the vendor's format (README, signatures). */
  skipped: string[];
  data: Buffer;
}

/** One vendor's blob from `<firmwareDir>/intel-ucode` or `amd-ucode`; undefined when the dir is absent. */
export async function vendorBlob(firmwareDir: string, vendor: MicrocodeVendor): Promise<VendorBlob | undefined> {
  const dir = join(firmwareDir, VENDOR_DIRS[vendor]);
  const names = await readdir(dir).catch(() => undefined);
  if (!names) return undefined;
  const candidates = names
    .filter((n) => (vendor === 'amd' ? /^microcode_amd.*\.bin(\.xz|\.zst)?$/.test(n) : !n.startsWith('.')))
    .sort();
  const files: string[] = [];
  const skipped: string[] = [];
  const parts: Buffer[] = [];
  for (const n of candidates) {
    const data = await readMaybeCompressed(join(dir, n)).catch(() => undefined);
    const ok = data !== undefined && (vendor === 'intel' ? isIntelUpdate(data) : isAmdContainer(data));
    if (ok) {
      parts.push(data);
      files.push(`${VENDOR_DIRS[vendor]}/${n}`);
    } else {
      skipped.push(`${VENDOR_DIRS[vendor]}/${n}`);
    }
  }
  return { vendor, files, skipped, data: Buffer.concat(parts) };
}

export interface EarlyMicrocode {
  /** undefined when no vendor had any microcode: then there is no early archive at all. */
  tree?: ImageTree;
  blobs: VendorBlob[];
  /** Vendors whose directory does not exist. */
  absent: MicrocodeVendor[];
}

export async function buildEarlyMicrocode(firmwareDir: string, choice: MicrocodeChoice): Promise<EarlyMicrocode> {
  const blobs: VendorBlob[] = [];
  const absent: MicrocodeVendor[] = [];
  for (const vendor of vendorsOf(choice)) {
    const blob = await vendorBlob(firmwareDir, vendor);
    if (!blob) absent.push(vendor);
    else if (blob.data.length > 0) blobs.push(blob);
  }
  if (blobs.length === 0) return { blobs, absent };
  const tree = new ImageTree();
  // Early cpio entries are written as root-owned, 0644 like any other data file.
  for (const b of blobs) tree.addFile(EARLY_PATHS[b.vendor], b.data, 0o644);
  return { tree, blobs, absent };
}
