import { open } from 'node:fs/promises';

/**
 * The one ELF reader. Three questions are asked of ELF files, each reading only what it needs:
 * - readElf: what a host tool needs at run time (PT_INTERP; DT_NEEDED, DT_RUNPATH, DT_RPATH and
 *   DT_SONAME), read from the file piece by piece: program headers -> PT_DYNAMIC -> DT_STRTAB,
 *   whose address is mapped back to a file offset through the PT_LOAD segments;
 * - elfLinkage: whether a built binary is static (gkbuild refuses a dynamic one);
 * - elfSection: one named section's bytes (a kernel module's .modinfo), through the section headers.
 * All handle ELF32/ELF64 in either byte order (a cross-built kernel's modules may differ from the
 * host). Malformed input is a NotElfError whose message says what is wrong; callers name the file.
 */
export interface ElfInfo {
  /** 32 or 64 bit. A library of the other class or machine is skipped by the loader. */
  bits: 32 | 64;
  littleEndian: boolean;
  /** e_machine (62 = x86-64). */
  machine: number;
  /** e_type: 2 executable, 3 shared object (PIE executables are 3 too). */
  type: number;
  /** PT_INTERP: the dynamic loader's path, absent for static binaries and most libraries. */
  interp?: string;
  /** False when there is no PT_DYNAMIC: a static binary, nothing to resolve. */
  dynamic: boolean;
  needed: string[];
  /** DT_RUNPATH and DT_RPATH, each split at ':' (unexpanded: $ORIGIN stays as written). */
  runpath: string[];
  rpath: string[];
  soname?: string;
}

/**
 * Static or dynamic, read from the program headers rather than trusting `file` or the build's
 * flags: a PT_INTERP segment means the kernel hands the binary to a dynamic loader, and a
 * PT_DYNAMIC segment with DT_NEEDED entries means it wants shared libraries. A static-pie has
 * PT_DYNAMIC (for self-relocation) but no DT_NEEDED, and counts as static.
 */
export type Linkage = { kind: 'not-elf' } | { kind: 'static' } | { kind: 'dynamic'; reason: string };

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NULL = 0n;
const DT_NEEDED = 1n;
const DT_STRTAB = 5n;
const DT_STRSZ = 10n;
const DT_SONAME = 14n;
const DT_RPATH = 15n;
const DT_RUNPATH = 29n;
/** The ELF header's size; an ELF32 one is 52 bytes, reading 64 covers both when the file has them. */
const EHDR_MIN = 52;

export class NotElfError extends Error {}

/** Little accessor over a buffer that knows the file's class and byte order. */
class Fields {
  constructor(
    private readonly buf: Buffer,
    private readonly le: boolean,
    readonly bits: 32 | 64,
  ) {}
  u16(off: number): number {
    this.need(off, 2);
    return this.le ? this.buf.readUInt16LE(off) : this.buf.readUInt16BE(off);
  }
  u32(off: number): number {
    this.need(off, 4);
    return this.le ? this.buf.readUInt32LE(off) : this.buf.readUInt32BE(off);
  }
  u64(off: number): bigint {
    this.need(off, 8);
    return this.le ? this.buf.readBigUInt64LE(off) : this.buf.readBigUInt64BE(off);
  }
  /** A word of the file's class (Elf32_Addr/Off or Elf64_Addr/Off/Xword), as bigint. */
  word(off: number): bigint {
    return this.bits === 64 ? this.u64(off) : BigInt(this.u32(off));
  }
  /** A word used as a file offset or size. */
  num(off: number): number {
    return Number(this.word(off));
  }
  get wordSize(): number {
    return this.bits / 8;
  }
  private need(off: number, n: number): void {
    if (off < 0 || off + n > this.buf.length) throw new NotElfError('has truncated ELF headers');
  }
}

/** The ELF header fields the three readers use. */
interface ElfHeader {
  bits: 32 | 64;
  le: boolean;
  type: number;
  machine: number;
  phoff: number;
  phentsize: number;
  phnum: number;
  shoff: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
}

interface Segment {
  type: number;
  offset: number;
  vaddr: bigint;
  filesz: bigint;
}

function hasElfMagic(buf: Buffer): boolean {
  return buf.length >= 4 && buf.readUInt32BE(0) === 0x7f454c46;
}

/** Parses the ELF header at the start of `buf` (at least its first 52 bytes). */
function elfHeader(buf: Buffer): ElfHeader {
  if (buf.length < EHDR_MIN || !hasElfMagic(buf)) throw new NotElfError('is not an ELF file');
  const bits = buf[4] === 2 ? 64 : buf[4] === 1 ? 32 : undefined;
  const le = buf[5] === 1 ? true : buf[5] === 2 ? false : undefined;
  if (bits === undefined || le === undefined) throw new NotElfError('has an unknown ELF class or byte order');
  const h = new Fields(buf, le, bits);
  const is64 = bits === 64;
  return {
    bits,
    le,
    type: h.u16(16),
    machine: h.u16(18),
    phoff: h.num(is64 ? 0x20 : 0x1c),
    shoff: h.num(is64 ? 0x28 : 0x20),
    phentsize: h.u16(is64 ? 0x36 : 0x2a),
    phnum: h.u16(is64 ? 0x38 : 0x2c),
    shentsize: h.u16(is64 ? 0x3a : 0x2e),
    shnum: h.u16(is64 ? 0x3c : 0x30),
    shstrndx: h.u16(is64 ? 0x3e : 0x32),
  };
}

/** The program header table, given the bytes that hold it (starting at e_phoff). */
function segments(h: ElfHeader, table: Buffer): Segment[] {
  const ph = new Fields(table, h.le, h.bits);
  const out: Segment[] = [];
  for (let i = 0; i < h.phnum; i++) {
    const b = i * h.phentsize;
    // Elf64_Phdr: type, flags, offset, vaddr, paddr, filesz...; Elf32_Phdr: type, offset, vaddr, paddr, filesz...
    out.push(
      h.bits === 64
        ? { type: ph.u32(b), offset: Number(ph.u64(b + 8)), vaddr: ph.u64(b + 16), filesz: ph.u64(b + 32) }
        : { type: ph.u32(b), offset: ph.u32(b + 4), vaddr: BigInt(ph.u32(b + 8)), filesz: BigInt(ph.u32(b + 16)) },
    );
  }
  return out;
}

/** The (tag, value) pairs of a PT_DYNAMIC segment's bytes, up to DT_NULL. */
function dynamicEntries(h: ElfHeader, dynamic: Buffer): Array<[bigint, bigint]> {
  const dyn = new Fields(dynamic, h.le, h.bits);
  const entrySize = 2 * dyn.wordSize;
  const entries: Array<[bigint, bigint]> = [];
  for (let off = 0; off + entrySize <= dynamic.length; off += entrySize) {
    const tag = dyn.word(off);
    if (tag === DT_NULL) break;
    entries.push([tag, dyn.word(off + dyn.wordSize)]);
  }
  return entries;
}

function cString(buf: Buffer, off: number, encoding: BufferEncoding = 'utf8'): string {
  const end = buf.indexOf(0, off);
  return buf.toString(encoding, off, end < 0 ? buf.length : end);
}

type FileHandle = Awaited<ReturnType<typeof open>>;

async function readAt(fh: FileHandle, offset: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, offset);
  if (bytesRead < length) throw new NotElfError(`is truncated: wanted ${length} bytes at ${offset}, got ${bytesRead}`);
  return buf;
}

/** Is the file an ELF object at all (cheap: four magic bytes)? */
export async function isElf(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await fh.read(buf, 0, 4, 0);
    return bytesRead === 4 && hasElfMagic(buf);
  } finally {
    await fh.close();
  }
}

/** What a host binary or library needs at run time; a NotElfError names the path. */
export async function readElf(path: string): Promise<ElfInfo> {
  const fh = await open(path, 'r');
  try {
    return await readElfFrom(fh);
  } catch (err) {
    if (err instanceof NotElfError) throw new NotElfError(`${path} ${err.message}`);
    throw err;
  } finally {
    await fh.close();
  }
}

async function readElfFrom(fh: FileHandle): Promise<ElfInfo> {
  const head = Buffer.alloc(64);
  const { bytesRead } = await fh.read(head, 0, 64, 0);
  const h = elfHeader(head.subarray(0, bytesRead));
  const segs = h.phnum > 0 ? segments(h, await readAt(fh, h.phoff, h.phentsize * h.phnum)) : [];
  const info: ElfInfo = { bits: h.bits, littleEndian: h.le, machine: h.machine, type: h.type, dynamic: false, needed: [], runpath: [], rpath: [] };
  const interpSeg = segs.find((s) => s.type === PT_INTERP);
  if (interpSeg) info.interp = cString(await readAt(fh, interpSeg.offset, Number(interpSeg.filesz)), 0);

  const dynSeg = segs.find((s) => s.type === PT_DYNAMIC);
  if (!dynSeg) return info;
  info.dynamic = true;
  const entries = dynamicEntries(h, await readAt(fh, dynSeg.offset, Number(dynSeg.filesz)));
  const strtabAddr = entries.find(([t]) => t === DT_STRTAB)?.[1];
  const strsz = entries.find(([t]) => t === DT_STRSZ)?.[1];
  if (strtabAddr === undefined) return info;
  // DT_STRTAB holds a virtual address; the PT_LOAD segment containing it gives the file offset.
  const load = segs.find((s) => s.type === PT_LOAD && strtabAddr >= s.vaddr && strtabAddr < s.vaddr + s.filesz);
  if (!load) throw new NotElfError('has a DT_STRTAB address outside every loaded segment');
  const strtabOff = load.offset + Number(strtabAddr - load.vaddr);
  const strtab = await readAt(fh, strtabOff, Number(strsz ?? load.filesz - (strtabAddr - load.vaddr)));
  const str = (v: bigint) => cString(strtab, Number(v));
  const split = (v: bigint) => str(v).split(':').filter((p) => p !== '');
  for (const [tag, val] of entries) {
    if (tag === DT_NEEDED) info.needed.push(str(val));
    else if (tag === DT_RUNPATH) info.runpath.push(...split(val));
    else if (tag === DT_RPATH) info.rpath.push(...split(val));
    else if (tag === DT_SONAME) info.soname = str(val);
  }
  return info;
}

/** Static or dynamic, for a whole file's bytes. */
export function elfLinkage(buf: Buffer): Linkage {
  if (buf.length < EHDR_MIN || !hasElfMagic(buf)) return { kind: 'not-elf' };
  const truncated = (what: string): Linkage => ({ kind: 'dynamic', reason: `truncated ELF (${what})` });
  let h: ElfHeader;
  try {
    h = elfHeader(buf);
  } catch (err) {
    // Not understood is not proven static.
    return { kind: 'dynamic', reason: (err as Error).message };
  }
  if (h.phoff + h.phnum * h.phentsize > buf.length) return truncated('program headers');
  for (const seg of segments(h, buf.subarray(h.phoff))) {
    const end = seg.offset + Number(seg.filesz);
    if (seg.type === PT_INTERP) {
      return { kind: 'dynamic', reason: `program interpreter ${cString(buf.subarray(seg.offset, end), 0, 'latin1')}` };
    }
    if (seg.type === PT_DYNAMIC) {
      if (end > buf.length) return truncated('dynamic segment');
      if (dynamicEntries(h, buf.subarray(seg.offset, end)).some(([tag]) => tag === DT_NEEDED)) {
        return { kind: 'dynamic', reason: 'needs shared libraries (DT_NEEDED)' };
      }
    }
  }
  return { kind: 'static' };
}

/**
 * The bytes of one named section, or undefined when the file has no such section (or no section
 * headers). Only the section header table and its name table are read: a module's .modinfo is a
 * run of NUL-terminated "key=value" strings, nothing to relocate.
 */
export function elfSection(buf: Buffer, wanted: string): Buffer | undefined {
  const h = elfHeader(buf);
  if (h.shoff === 0 || h.shnum === 0) return undefined;
  if (h.shoff + h.shnum * h.shentsize > buf.length || h.shstrndx >= h.shnum) throw new NotElfError('has a truncated section header table');
  const f = new Fields(buf, h.le, h.bits);
  const is64 = h.bits === 64;
  // Section header fields: name(u32) type(u32) flags addr offset size ...; offsets differ by class.
  const header = (i: number) => {
    const b = h.shoff + i * h.shentsize;
    return { name: f.u32(b), offset: f.num(b + (is64 ? 0x18 : 0x10)), size: f.num(b + (is64 ? 0x20 : 0x14)) };
  };
  const names = header(h.shstrndx);
  if (names.offset + names.size > buf.length) throw new NotElfError('has a truncated section name table');
  for (let i = 0; i < h.shnum; i++) {
    const s = header(i);
    const nameStart = names.offset + s.name;
    const nameEnd = buf.indexOf(0, nameStart);
    if (nameEnd < 0) continue;
    if (buf.toString('latin1', nameStart, nameEnd) !== wanted) continue;
    if (s.offset + s.size > buf.length) throw new NotElfError(`has a section ${wanted} that runs past the end of the file`);
    return buf.subarray(s.offset, s.offset + s.size);
  }
  return undefined;
}
