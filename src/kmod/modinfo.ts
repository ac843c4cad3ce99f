import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GkError } from '../errors.js';
import { elfSection, NotElfError } from '../elf/elf-reader.js';
import { mapLimit } from '../map-limit.js';
import { compressionOfFile } from './compression.js';
import { decompressModule } from './decompress-module.js';

/** key -> values in section order ("firmware", "alias", "depends", ... repeat). */
export type Modinfo = Map<string, string[]>;

const REINSTALL = 'reinstall the kernel modules (`make modules_install`, or reinstall the kernel package)';

/**
 * The .modinfo of a module's (decompressed) ELF image, read without running modinfo: what the
 * firmware step needs for hundreds of modules costs one read each, no process. A malformed file
 * is a GkError naming it; a module without .modinfo declares nothing.
 */
export function parseModinfo(elf: Buffer, file: string): Modinfo {
  try {
    const section = elfSection(elf, '.modinfo');
    return section ? parseModinfoSection(section) : new Map();
  } catch (err) {
    if (err instanceof NotElfError) throw new GkError(`kernel module ${file}: ${err.message}`, REINSTALL);
    throw err;
  }
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
  return parseModinfo(await decompressModule(raw, compression, file), file);
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
