import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GkError } from '../errors.js';
import { builtinValues, type BuiltinModinfo } from './builtin-modinfo.js';
import { compressionOfFile } from './compression.js';
import { decompressModule } from './decompress-module.js';
import type { ModulePlan } from './types.js';

/** key -> values in section order (firmware, alias, depends, softdep, parm ... repeat). */
export type Modinfo = Map<string, string[]>;

/**
 * The .modinfo section of a kernel module (an ELF relocatable), read without running modinfo:
 * what the firmware stage needs for hundreds of modules costs one read each, no process.
 * Handles 32/64-bit and either byte order; a malformed file is a GkError naming it.
 */
export function parseModinfo(elf: Buffer, file: string): Modinfo {
  const bad = (why: string) => new GkError(`kernel module ${file}: ${why}`, 'reinstall the kernel modules (`make modules_install`, or the kernel package)');
  if (elf.length < 52 || elf.readUInt32BE(0) !== 0x7f454c46) throw bad('not an ELF file');
  const is64 = elf[4] === 2;
  if (!is64 && elf[4] !== 1) throw bad('unknown ELF class');
  const le = elf[5] !== 2;
  const u16 = (o: number) => check(o, 2) && (le ? elf.readUInt16LE(o) : elf.readUInt16BE(o));
  const u32 = (o: number) => check(o, 4) && (le ? elf.readUInt32LE(o) : elf.readUInt32BE(o));
  const word = (o: number) => (is64 ? Number(check(o, 8) && (le ? elf.readBigUInt64LE(o) : elf.readBigUInt64BE(o))) : u32(o));
  function check(o: number, n: number): true {
    if (!Number.isSafeInteger(o) || o < 0 || o + n > elf.length) throw bad('truncated ELF headers');
    return true;
  }
  const shoff = word(is64 ? 0x28 : 0x20);
  const shentsize = u16(is64 ? 0x3a : 0x2e);
  const shnum = u16(is64 ? 0x3c : 0x30);
  const shstrndx = u16(is64 ? 0x3e : 0x32);
  if (shnum === 0 || shstrndx >= shnum || shentsize < (is64 ? 0x28 : 0x18)) throw bad('no section headers');
  const section = (i: number) => {
    const h = shoff + i * shentsize;
    return { name: u32(h), offset: word(h + (is64 ? 0x18 : 0x10)), size: word(h + (is64 ? 0x20 : 0x14)) };
  };
  const strtab = section(shstrndx);
  check(strtab.offset, strtab.size);
  const nameAt = (o: number) => {
    if (o >= strtab.size) throw bad('section name outside the string table');
    const start = strtab.offset + o;
    const end = elf.indexOf(0, start);
    return elf.toString('latin1', start, end < 0 || end > strtab.offset + strtab.size ? strtab.offset + strtab.size : end);
  };
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    if (nameAt(s.name) !== '.modinfo') continue;
    check(s.offset, s.size);
    const info: Modinfo = new Map();
    for (const rec of elf.toString('utf8', s.offset, s.offset + s.size).split('\0')) {
      const eq = rec.indexOf('=');
      if (eq <= 0) continue; // alignment padding between records
      const key = rec.slice(0, eq);
      const list = info.get(key);
      if (list) list.push(rec.slice(eq + 1));
      else info.set(key, [rec.slice(eq + 1)]);
    }
    return info;
  }
  return new Map(); // A module without .modinfo declares nothing.
}

/** modinfo of a module file in any compression. */
export async function readModinfo(path: string): Promise<Modinfo> {
  const compression = compressionOfFile(path);
  if (!compression) throw new GkError(`${path} is not a kernel module file`, 'name a .ko, .ko.zst, .ko.xz or .ko.gz file');
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (err) {
    throw new GkError(`kernel module ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, 'reinstall the kernel modules');
  }
  return parseModinfo(await decompressModule(data, compression, path), path);
}

export interface FirmwareOptions {
  /** Also the firmware builtin drivers declare (they load it from the image, before the root is mounted). */
  builtinModinfo?: BuiltinModinfo;
  concurrency?: number;
}

/** Firmware file names (relative to /lib/firmware) the planned modules declare, sorted, each once. */
export async function planFirmware(plan: ModulePlan, moduleDir: string, opts: FirmwareOptions = {}): Promise<string[]> {
  const names = new Set<string>();
  let next = 0;
  const worker = async () => {
    while (next < plan.modules.length) {
      const m = plan.modules[next++]!;
      for (const f of (await readModinfo(join(moduleDir, m.relPath))).get('firmware') ?? []) names.add(f);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 8, plan.modules.length)) }, worker));
  if (opts.builtinModinfo) for (const { value } of builtinValues(opts.builtinModinfo, 'firmware')) names.add(value);
  return [...names].sort();
}
