import { GkError } from '../errors.js';

/**
 * The PE/COFF edit a unified kernel image needs: the EFI stub with data sections appended after
 * its last one. Written here rather than done with binutils' objcopy because the edit is small
 * (section headers and four header fields) and owning it gives what objcopy does not promise:
 * - bytes that depend only on the inputs (no time stamp, no tool version), so the UKI is
 *   reproducible with SOURCE_DATE_EPOCH like the initramfs;
 * - addresses computed from the stub's own headers, not passed as --change-section-vma
 *   numbers the caller must work out and objcopy then offsets by the image base;
 * - a header-room check with a one-line error, and no binutils needed at run time.
 */

export interface PeSection {
  name: string;
  virtualAddress: number;
  virtualSize: number;
  rawOffset: number;
  rawSize: number;
  characteristics: number;
}

export interface PeLayout {
  /** File offset of the COFF header (after "PE\0\0"). */
  coffOffset: number;
  optOffset: number;
  is64: boolean;
  sectionAlignment: number;
  fileAlignment: number;
  sizeOfHeaders: number;
  sizeOfImage: number;
  /** File offset of the section table. */
  sectionTable: number;
  sections: PeSection[];
  /** Attribute certificate table (a signature): file offset and size, 0 when unsigned. */
  certificate: { offset: number; size: number };
}

/** initialized data, readable: what systemd-stub's documentation gives its data sections. */
export const SCN_DATA_READ = 0x40000040;

const SECTION_HEADER = 40;
/** Optional-header offsets of the fields we read or rewrite (PE32+ / PE32). */
const OPT = { sizeOfInitData: 8, sectionAlignment: 32, fileAlignment: 36, sizeOfImage: 56, sizeOfHeaders: 60, checksum: 64 };
const dataDirs = (is64: boolean) => (is64 ? 112 : 96);
const CERT_DIR = 4;

export const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

function fail(what: string): never {
  throw new GkError(`the EFI stub is not a usable PE image: ${what}`, 'reinstall systemd-boot-efi, or pass --uki-stub=FILE with a linuxx64.efi.stub');
}

export function readPe(buf: Buffer): PeLayout {
  if (buf.length < 0x40 || buf.toString('latin1', 0, 2) !== 'MZ') fail('no MZ header');
  const pe = buf.readUInt32LE(0x3c);
  if (pe + 24 > buf.length || buf.toString('latin1', pe, pe + 4) !== 'PE\0\0') fail('no PE signature');
  const coffOffset = pe + 4;
  const count = buf.readUInt16LE(coffOffset + 2);
  const optSize = buf.readUInt16LE(coffOffset + 16);
  const optOffset = coffOffset + 20;
  const magic = buf.readUInt16LE(optOffset);
  if (magic !== 0x20b && magic !== 0x10b) fail(`optional header magic 0x${magic.toString(16)}`);
  const is64 = magic === 0x20b;
  const sectionTable = optOffset + optSize;
  const sections: PeSection[] = [];
  for (let i = 0; i < count; i++) {
    const o = sectionTable + i * SECTION_HEADER;
    sections.push({
      name: buf.toString('latin1', o, o + 8).replace(/\0+$/, ''),
      virtualSize: buf.readUInt32LE(o + 8),
      virtualAddress: buf.readUInt32LE(o + 12),
      rawSize: buf.readUInt32LE(o + 16),
      rawOffset: buf.readUInt32LE(o + 20),
      characteristics: buf.readUInt32LE(o + 36),
    });
  }
  const dirCount = buf.readUInt32LE(optOffset + dataDirs(is64) - 4);
  const certAt = optOffset + dataDirs(is64) + CERT_DIR * 8;
  const certificate = dirCount > CERT_DIR ? { offset: buf.readUInt32LE(certAt), size: buf.readUInt32LE(certAt + 4) } : { offset: 0, size: 0 };
  return {
    coffOffset,
    optOffset,
    is64,
    sectionAlignment: buf.readUInt32LE(optOffset + OPT.sectionAlignment),
    fileAlignment: buf.readUInt32LE(optOffset + OPT.fileAlignment),
    sizeOfHeaders: buf.readUInt32LE(optOffset + OPT.sizeOfHeaders),
    sizeOfImage: buf.readUInt32LE(optOffset + OPT.sizeOfImage),
    sectionTable,
    sections,
    certificate,
  };
}

export interface NewSection {
  /** At most 8 bytes: ".linux", ".initrd", ".cmdline", ... */
  name: string;
  data: Buffer;
}

/** The alignment new sections get in memory: a page, or the stub's own when that is larger. */
export const PAGE = 4096;

/**
 * The stub plus `add`, in order, each starting on a page boundary in memory after the stub's
 * last section and on a FileAlignment boundary in the file. A signature the stub carried is
 * dropped (it would not cover the new sections); the PE checksum is recomputed.
 */
export function addSections(stub: Buffer, add: readonly NewSection[]): Buffer {
  const pe = readPe(stub);
  const headerEnd = pe.sectionTable + (pe.sections.length + add.length) * SECTION_HEADER;
  if (headerEnd > pe.sizeOfHeaders) fail(`no room for ${add.length} more section headers (headers end at ${pe.sizeOfHeaders})`);
  for (const s of add) if (Buffer.byteLength(s.name, 'latin1') > 8) throw new Error(`internal: PE section name ${s.name} is longer than 8 bytes`);
  const memAlign = Math.max(PAGE, pe.sectionAlignment);
  const fileAlign = pe.fileAlignment || 512;
  // Everything past the last section's raw data is dropped: that is where a signature lives.
  let fileEnd = pe.sizeOfHeaders;
  let memEnd = 0;
  for (const s of pe.sections) {
    if (s.rawSize) fileEnd = Math.max(fileEnd, s.rawOffset + s.rawSize);
    memEnd = Math.max(memEnd, s.virtualAddress + Math.max(s.virtualSize, s.rawSize));
  }
  const stubEnd = Math.min(stub.length, fileEnd);
  const placed = add.map((s) => {
    const virtualAddress = alignUp(memEnd, memAlign);
    const rawOffset = alignUp(fileEnd, fileAlign);
    const rawSize = alignUp(s.data.length, fileAlign);
    memEnd = virtualAddress + s.data.length;
    fileEnd = rawOffset + rawSize;
    return { ...s, virtualAddress, rawOffset, rawSize };
  });
  const out = Buffer.alloc(fileEnd);
  stub.copy(out, 0, 0, stubEnd);
  placed.forEach((s, i) => {
    const o = pe.sectionTable + (pe.sections.length + i) * SECTION_HEADER;
    out.fill(0, o, o + SECTION_HEADER);
    out.write(s.name, o, 'latin1');
    out.writeUInt32LE(s.data.length, o + 8);
    out.writeUInt32LE(s.virtualAddress, o + 12);
    out.writeUInt32LE(s.rawSize, o + 16);
    out.writeUInt32LE(s.rawOffset, o + 20);
    out.writeUInt32LE(SCN_DATA_READ, o + 36);
    s.data.copy(out, s.rawOffset);
  });
  out.writeUInt16LE(pe.sections.length + add.length, pe.coffOffset + 2);
  out.writeUInt32LE(alignUp(memEnd, pe.sectionAlignment), pe.optOffset + OPT.sizeOfImage);
  const initData = out.readUInt32LE(pe.optOffset + OPT.sizeOfInitData) + placed.reduce((n, s) => n + s.rawSize, 0);
  out.writeUInt32LE(initData >>> 0, pe.optOffset + OPT.sizeOfInitData);
  if (pe.certificate.size) {
    const certAt = pe.optOffset + dataDirs(pe.is64) + CERT_DIR * 8;
    out.writeUInt32LE(0, certAt);
    out.writeUInt32LE(0, certAt + 4);
  }
  out.writeUInt32LE(peChecksum(out, pe.optOffset + OPT.checksum), pe.optOffset + OPT.checksum);
  return out;
}

/** The PE checksum: 16-bit one's-complement-style sum of the file (its own field as zero) plus the length. */
export function peChecksum(buf: Buffer, checksumOffset: number): number {
  let sum = 0;
  for (let i = 0; i + 1 < buf.length; i += 2) {
    if (i === checksumOffset || i === checksumOffset + 2) continue;
    sum += buf.readUInt16LE(i);
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  if (buf.length % 2) {
    sum += buf[buf.length - 1]!;
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  sum = (sum & 0xffff) + (sum >>> 16);
  return (sum + buf.length) >>> 0;
}
