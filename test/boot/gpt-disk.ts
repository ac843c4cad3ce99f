/**
 * A GPT disk with one ext4 partition, made without loop devices or partitioning tools:
 * mke2fs writes the filesystem at the partition's offset, then the GPT (protective MBR,
 * primary and backup header and entry array, CRCs the kernel checks) is written around it.
 */
import { execFileSync } from 'node:child_process';
import { openSync, writeSync, closeSync, ftruncateSync, fstatSync } from 'node:fs';
import { crc32 } from 'node:zlib';

const SECTOR = 512;
const ENTRIES = 128;
const ENTRY_SIZE = 128;
const ENTRY_SECTORS = (ENTRIES * ENTRY_SIZE) / SECTOR;
const FIRST_LBA = 2048;
/** Linux filesystem data. */
const LINUX_FS_TYPE = '0fc63daf-8483-4772-8e79-3d69d8477de4';

/** Text GUID -> on-disk bytes (first three fields little endian). */
export function guidBytes(guid: string): Buffer {
  const hex = guid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`not a GUID: ${guid}`);
  const b = Buffer.from(hex, 'hex');
  b.subarray(0, 4).reverse();
  b.subarray(4, 6).reverse();
  b.subarray(6, 8).reverse();
  return b;
}

export interface GptDiskSpec {
  file: string;
  /** Directory copied into the filesystem (mke2fs -d). */
  contents: string;
  partUuid: string;
  partLabel: string;
  diskGuid?: string;
  fsLabel?: string;
  fsMb?: number;
  /** Writes the partition's content instead of mke2fs (file, byte offset, size in MiB); `contents` is unused then. */
  writePartition?: (file: string, offset: number, mb: number) => void;
}

export function makeGptDisk(spec: GptDiskSpec): void {
  const fsMb = spec.fsMb ?? 30;
  const fsSectors = (fsMb * 1024 * 1024) / SECTOR;
  const lastPartLba = FIRST_LBA + fsSectors - 1;
  // A MiB after the partition holds the backup entries and header.
  const totalSectors = lastPartLba + 1 + 2048;
  if (spec.writePartition) {
    spec.writePartition(spec.file, FIRST_LBA * SECTOR, fsMb);
  } else {
    execFileSync('mke2fs', [
      '-q', '-F', '-t', 'ext4', '-E', `offset=${FIRST_LBA * SECTOR}`, '-d', spec.contents,
      ...(spec.fsLabel ? ['-L', spec.fsLabel] : []), spec.file, `${fsMb}M`,
    ]);
  }
  const fd = openSync(spec.file, 'r+');
  try {
    ftruncateSync(fd, totalSectors * SECTOR);
    if (fstatSync(fd).size !== totalSectors * SECTOR) throw new Error('could not size the disk');
    const lastLba = totalSectors - 1;

    const entries = Buffer.alloc(ENTRIES * ENTRY_SIZE);
    guidBytes(LINUX_FS_TYPE).copy(entries, 0);
    guidBytes(spec.partUuid).copy(entries, 16);
    entries.writeBigUInt64LE(BigInt(FIRST_LBA), 32);
    entries.writeBigUInt64LE(BigInt(lastPartLba), 40);
    Buffer.from(spec.partLabel, 'utf16le').copy(entries, 56, 0, 72);
    const entriesCrc = crc32(entries);

    const header = (myLba: number, altLba: number, entriesLba: number) => {
      const h = Buffer.alloc(SECTOR);
      h.write('EFI PART', 0, 'latin1');
      h.writeUInt32LE(0x00010000, 8);
      h.writeUInt32LE(92, 12);
      h.writeBigUInt64LE(BigInt(myLba), 24);
      h.writeBigUInt64LE(BigInt(altLba), 32);
      h.writeBigUInt64LE(BigInt(2 + ENTRY_SECTORS), 40);
      h.writeBigUInt64LE(BigInt(lastLba - ENTRY_SECTORS - 1), 48);
      guidBytes(spec.diskGuid ?? '5a1e0000-7e57-4b00-8000-00000000d15c').copy(h, 56);
      h.writeBigUInt64LE(BigInt(entriesLba), 72);
      h.writeUInt32LE(ENTRIES, 80);
      h.writeUInt32LE(ENTRY_SIZE, 84);
      h.writeUInt32LE(entriesCrc, 88);
      h.writeUInt32LE(crc32(h.subarray(0, 92)), 16);
      return h;
    };

    // Protective MBR: one 0xEE partition covering the disk.
    const mbr = Buffer.alloc(SECTOR);
    mbr[446 + 4] = 0xee;
    mbr.writeUInt32LE(1, 446 + 8);
    mbr.writeUInt32LE(Math.min(lastLba, 0xffffffff), 446 + 12);
    mbr[510] = 0x55;
    mbr[511] = 0xaa;

    writeSync(fd, mbr, 0, SECTOR, 0);
    writeSync(fd, header(1, lastLba, 2), 0, SECTOR, SECTOR);
    writeSync(fd, entries, 0, entries.length, 2 * SECTOR);
    writeSync(fd, entries, 0, entries.length, (lastLba - ENTRY_SECTORS) * SECTOR);
    writeSync(fd, header(lastLba, 1, lastLba - ENTRY_SECTORS), 0, SECTOR, lastLba * SECTOR);
  } finally {
    closeSync(fd);
  }
}
