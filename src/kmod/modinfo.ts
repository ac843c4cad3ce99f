import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GkError } from '../errors.js';
import { compressionOfFile } from '../kmod/compression.js';
import { decompressModule } from '../kmod/decompress-module.js';

/** key -> values in section order ("firmware", "alias", "depends", ... repeat). */
export type Modinfo = Map<string, string[]>;

/**
 * The bytes of one named ELF section. Only the section header table and its string table are
 * read: a module's .modinfo is a run of NUL-terminated "key=value" strings, nothing to relocate.
 * Handles ELF32/ELF64 in either byte order, since a cross-built kernel's modules may differ
 * from the host.
 */
export function elfSection(elf: Buffer, wanted: string, file: string): Buffer | undefined {
  const bad = (why: string) =>
    new GkError(`kernel module ${file}: ${why}`, 'reinstall the kernel modules (`make modules_install`, or reinstall the kernel package)');
  if (elf.length < 52 || elf.readUInt32BE(0) !== 0x7f454c46) throw bad('is not an ELF file');
  const is64 = elf[4] === 2;
  const le = elf[5] !== 2;
  const u16 = (o: number) => (le ? elf.readUInt16LE(o) : elf.readUInt16BE(o));
  const u32 = (o: number) => (le ? elf.readUInt32LE(o) : elf.readUInt32BE(o));
  const addr = (o: number) => (is64 ? Number(le ? elf.readBigUInt64LE(o) : elf.readBigUInt64BE(o)) : u32(o));
  const shoff = addr(is64 ? 0x28 : 0x20);
  const shentsize = u16(is64 ? 0x3a : 0x2e);
  const shnum = u16(is64 ? 0x3c : 0x30);
  const shstrndx = u16(is64 ? 0x3e : 0x32);
  if (shoff === 0 || shnum === 0) return undefined;
  if (shoff + shnum * shentsize > elf.length || shstrndx >= shnum) throw bad('has a truncated section header table');
  // Section header fields: name(u32) type(u32) flags addr offset size ...; offsets differ by class.
  const header = (i: number) => {
    const h = shoff + i * shentsize;
    return {
      name: u32(h),
      offset: addr(h + (is64 ? 0x18 : 0x10)),
      size: addr(h + (is64 ? 0x20 : 0x14)),
    };
  };
  const strtab = header(shstrndx);
  if (strtab.offset + strtab.size > elf.length) throw bad('has a truncated section name table');
  for (let i = 0; i < shnum; i++) {
    const h = header(i);
    const nameStart = strtab.offset + h.name;
    const nameEnd = elf.indexOf(0, nameStart);
    if (nameEnd < 0) continue;
    if (elf.toString('latin1', nameStart, nameEnd) !== wanted) continue;
    if (h.offset + h.size > elf.length) throw bad(`section ${wanted} runs past the end of the file`);
    return elf.subarray(h.offset, h.offset + h.size);
  }
  return undefined;
}

/** Parses a .modinfo section: NUL-separated "key=value" strings (padding NULs are skipped). */
export function parseModinfoSection(section: Buffer): Modinfo {
  const info: Modinfo = new Map();
  for (const rec of section.toString('utf8').split('\0')) {
    const eq = rec.indexOf('=');
    if (eq <= 0) continue;
    const key = rec.slice(0, eq);
    const list = info.get(key);
    if (list) list.push(rec.slice(eq + 1));
    else info.set(key, [rec.slice(eq + 1)]);
  }
  return info;
}

/** modinfo of one module file (.ko, .ko.zst, .ko.xz, .ko.gz), decompressed in-process. */
export async function readModuleModinfo(moduleDir: string, relPath: string): Promise<Modinfo> {
  const file = join(moduleDir, relPath);
  const compression = compressionOfFile(relPath);
  if (!compression) throw new Error(`internal: ${relPath} is not a module file name`);
  const raw = await readFile(file).catch((e: NodeJS.ErrnoException) => {
    throw new GkError(`kernel module ${file} cannot be read (${e.code})`, 'run depmod for this kernel, or reinstall its modules');
  });
  const elf = await decompressModule(raw, compression, file);
  const section = elfSection(elf, '.modinfo', file);
  return section ? parseModinfoSection(section) : new Map();
}

/** Runs `fn` over `items` with at most `limit` in flight (decompression uses libuv's pool). */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Firmware names the given modules declare, each with the modules that ask for it, in first-
 * seen order. Modules are read four at a time: enough to keep two cores busy decompressing.
 */
export async function modulesFirmware(moduleDir: string, relPaths: readonly string[]): Promise<Map<string, string[]>> {
  const infos = await mapLimit(relPaths, 4, (p) => readModuleModinfo(moduleDir, p));
  const byName = new Map<string, string[]>();
  infos.forEach((info, i) => {
    for (const fw of info.get('firmware') ?? []) {
      const who = byName.get(fw) ?? [];
      who.push(relPaths[i]!);
      byName.set(fw, who);
    }
  });
  return byName;
}
