import { open } from 'node:fs/promises';

/**
 * The few facts of an ELF file that decide what it needs at run time: the program
 * interpreter (PT_INTERP) and the dynamic section's DT_NEEDED, DT_RUNPATH, DT_RPATH and
 * DT_SONAME. Read straight from the file (section headers are not needed, and may be
 * stripped): program headers -> PT_DYNAMIC -> DT_STRTAB, whose address is mapped back to a
 * file offset through the PT_LOAD segments.
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

export class NotElfError extends Error {}

/** Little accessor over a buffer that knows the file's class and byte order. */
class Fields {
  constructor(
    private readonly buf: Buffer,
    private readonly le: boolean,
    readonly bits: 32 | 64,
  ) {}
  u16(off: number): number {
    return this.le ? this.buf.readUInt16LE(off) : this.buf.readUInt16BE(off);
  }
  u32(off: number): number {
    return this.le ? this.buf.readUInt32LE(off) : this.buf.readUInt32BE(off);
  }
  u64(off: number): bigint {
    return this.le ? this.buf.readBigUInt64LE(off) : this.buf.readBigUInt64BE(off);
  }
  /** A word of the file's class (Elf32_Addr/Off or Elf64_Addr/Off/Xword), as bigint. */
  word(off: number): bigint {
    return this.bits === 64 ? this.u64(off) : BigInt(this.u32(off));
  }
  get wordSize(): number {
    return this.bits / 8;
  }
}

interface Segment {
  type: number;
  offset: number;
  vaddr: bigint;
  filesz: bigint;
}

async function readAt(fh: Awaited<ReturnType<typeof open>>, offset: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, offset);
  if (bytesRead < length) throw new NotElfError(`truncated ELF: wanted ${length} bytes at ${offset}, got ${bytesRead}`);
  return buf;
}

function cString(buf: Buffer, off: number): string {
  const end = buf.indexOf(0, off);
  return buf.toString('utf8', off, end < 0 ? buf.length : end);
}

/** Is the file an ELF object at all (cheap: four magic bytes)? */
export async function isElf(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await fh.read(buf, 0, 4, 0);
    return bytesRead === 4 && buf.toString('latin1') === '\x7fELF';
  } finally {
    await fh.close();
  }
}

export async function readElf(path: string): Promise<ElfInfo> {
  const fh = await open(path, 'r');
  try {
    const ident = await readAt(fh, 0, 64).catch(() => {
      throw new NotElfError(`${path} is too short to be an ELF file`);
    });
    if (ident.toString('latin1', 0, 4) !== '\x7fELF') throw new NotElfError(`${path} is not an ELF file`);
    const bits = ident[4] === 2 ? 64 : ident[4] === 1 ? 32 : undefined;
    const le = ident[5] === 1 ? true : ident[5] === 2 ? false : undefined;
    if (bits === undefined || le === undefined) throw new NotElfError(`${path}: unknown ELF class or byte order`);
    const h = new Fields(ident, le, bits);
    const type = h.u16(16);
    const machine = h.u16(18);
    const phoff = Number(h.word(bits === 64 ? 32 : 28));
    const phentsize = h.u16(bits === 64 ? 54 : 42);
    const phnum = h.u16(bits === 64 ? 56 : 44);

    const segments: Segment[] = [];
    if (phnum > 0) {
      const ph = new Fields(await readAt(fh, phoff, phentsize * phnum), le, bits);
      for (let i = 0; i < phnum; i++) {
        const b = i * phentsize;
        // Elf64_Phdr: type, flags, offset, vaddr, paddr, filesz...; Elf32_Phdr: type, offset, vaddr, paddr, filesz...
        segments.push(
          bits === 64
            ? { type: ph.u32(b), offset: Number(ph.u64(b + 8)), vaddr: ph.u64(b + 16), filesz: ph.u64(b + 32) }
            : { type: ph.u32(b), offset: ph.u32(b + 4), vaddr: BigInt(ph.u32(b + 8)), filesz: BigInt(ph.u32(b + 16)) },
        );
      }
    }

    const info: ElfInfo = { bits, littleEndian: le, machine, type, dynamic: false, needed: [], runpath: [], rpath: [] };
    const interpSeg = segments.find((s) => s.type === PT_INTERP);
    if (interpSeg) info.interp = cString(await readAt(fh, interpSeg.offset, Number(interpSeg.filesz)), 0);

    const dynSeg = segments.find((s) => s.type === PT_DYNAMIC);
    if (!dynSeg) return info;
    info.dynamic = true;
    const dyn = new Fields(await readAt(fh, dynSeg.offset, Number(dynSeg.filesz)), le, bits);
    const entrySize = 2 * dyn.wordSize;
    const entries: Array<[bigint, bigint]> = [];
    for (let off = 0; off + entrySize <= Number(dynSeg.filesz); off += entrySize) {
      const tag = dyn.word(off);
      if (tag === DT_NULL) break;
      entries.push([tag, dyn.word(off + dyn.wordSize)]);
    }
    const strtabAddr = entries.find(([t]) => t === DT_STRTAB)?.[1];
    const strsz = entries.find(([t]) => t === DT_STRSZ)?.[1];
    if (strtabAddr === undefined) return info;
    // DT_STRTAB holds a virtual address; the PT_LOAD segment containing it gives the file offset.
    const load = segments.find((s) => s.type === PT_LOAD && strtabAddr >= s.vaddr && strtabAddr < s.vaddr + s.filesz);
    if (!load) throw new NotElfError(`${path}: DT_STRTAB address is outside every loaded segment`);
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
  } finally {
    await fh.close();
  }
}
