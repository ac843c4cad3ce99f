/**
 * A DOS (MBR) labelled disk made without loop devices or partitioning tools: a small first
 * partition, then a second one holding a copy of a filesystem image. blkid reports the second
 * partition's PARTUUID as <disk signature>-02.
 */
import { closeSync, openSync, readFileSync, statSync, writeSync, ftruncateSync } from 'node:fs';

const SECTOR = 512;
const FIRST_START = 2048;
const FIRST_SECTORS = 8192;
const LINUX = 0x83;

export interface DosDiskSpec {
  file: string;
  /** Filesystem image copied into partition 2. */
  fsImage: string;
  /** Disk signature (MBR offset 440), 8 hex digits. */
  signature: string;
}

export function makeDosDisk(spec: DosDiskSpec): { partUuid: string } {
  if (!/^[0-9a-f]{8}$/.test(spec.signature)) throw new Error(`not a DOS disk signature: ${spec.signature}`);
  const fsSectors = Math.ceil(statSync(spec.fsImage).size / SECTOR);
  const secondStart = FIRST_START + FIRST_SECTORS;
  const total = secondStart + fsSectors + 2048;
  const mbr = Buffer.alloc(SECTOR);
  mbr.writeUInt32LE(parseInt(spec.signature, 16), 440);
  const entry = (i: number, start: number, sectors: number) => {
    const at = 446 + i * 16;
    // CHS fields stay 0xfeffff ("use LBA"), as partitioners write for disks past 8 GiB.
    mbr.set([0x00, 0xfe, 0xff, 0xff, LINUX, 0xfe, 0xff, 0xff], at);
    mbr.writeUInt32LE(start, at + 8);
    mbr.writeUInt32LE(sectors, at + 12);
  };
  entry(0, FIRST_START, FIRST_SECTORS);
  entry(1, secondStart, fsSectors);
  mbr[510] = 0x55;
  mbr[511] = 0xaa;
  const fd = openSync(spec.file, 'w');
  try {
    ftruncateSync(fd, total * SECTOR);
    writeSync(fd, mbr, 0, SECTOR, 0);
    writeSync(fd, readFileSync(spec.fsImage), 0, undefined, secondStart * SECTOR);
  } finally {
    closeSync(fd);
  }
  return { partUuid: `${spec.signature}-02` };
}
