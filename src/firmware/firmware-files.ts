import { lstat, mkdir, readFile, readdir, readlink, stat, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { decompress } from '../decompress.js';
import { GkError } from '../errors.js';
import type { ImageTree } from '../image/image-tree.js';
import type { KernelConfig } from '../kernel/kconfig.js';

/**
 * Which compressed firmware the kernel's loader reads itself. With CONFIG_FW_LOADER_COMPRESS it
 * tries NAME, then NAME.xz (and since 5.19 NAME.zst, each behind its own symbol); anything it
 * cannot read is decompressed here, at build time, and stored under the plain NAME.
 */
export interface FirmwarePolicy {
  keepXz: boolean;
  keepZst: boolean;
}

export function firmwarePolicy(config: KernelConfig): FirmwarePolicy {
  const compress = config.builtin('FW_LOADER_COMPRESS');
  // Before 5.19 FW_LOADER_COMPRESS alone meant xz; after, xz and zstd have their own switches.
  const hasSplitSymbols = config.get('CONFIG_FW_LOADER_COMPRESS_XZ') !== undefined || config.get('CONFIG_FW_LOADER_COMPRESS_ZSTD') !== undefined;
  return {
    keepXz: compress && (hasSplitSymbols ? config.builtin('FW_LOADER_COMPRESS_XZ') : true),
    keepZst: compress && config.builtin('FW_LOADER_COMPRESS_ZSTD'),
  };
}

const SUFFIXES = ['', '.zst', '.xz'] as const;
/** Linux's own limit for symlink chains (MAXSYMLINKS) */
const MAX_HOPS = 40;

function loopError(dir: string, name: string, detail: string): GkError {
  return new GkError(
    `firmware ${name} in ${dir}: ${detail}`,
    'fix or remove the looping symlink in the firmware directory, or pass another one with --firmware-dir=DIR',
  );
}

async function decompressFirmware(data: Buffer, suffix: '.xz' | '.zst', what: string): Promise<Buffer> {
  try {
    return await decompress(suffix === '.zst' ? 'zstd' : 'xz', data);
  } catch (err) {
    throw new GkError(`firmware ${what} is not valid ${suffix.slice(1)} data (${err instanceof Error ? err.message : String(err)})`, 'reinstall the firmware package that ships it');
  }
}

/**
 * Adds firmware files to an image under lib/firmware, keeping in-directory symlinks as
 * symlinks (linux-firmware is full of them) and decompressing what the kernel cannot read.
 * Decompressed copies go to `scratch` so that memory stays flat with --all-firmware.
 */
export class FirmwareCollector {
  /** Requested names that were added (under some suffix). */
  readonly added = new Set<string>();
  bytes = 0;
  private readonly done = new Set<string>();
  private scratchN = 0;

  constructor(
    private readonly image: ImageTree,
    readonly dir: string,
    private readonly policy: FirmwarePolicy,
    private readonly scratch: string,
  ) {}

  private keeps(suffix: string): boolean {
    return suffix === '' || (suffix === '.xz' && this.policy.keepXz) || (suffix === '.zst' && this.policy.keepZst);
  }

  /** lstat that turns ELOOP (a directory symlink cycle on the way) into a clean error. */
  private async lstatIn(rel: string, name: string) {
    try {
      return await lstat(join(this.dir, rel));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') throw loopError(this.dir, name, `the path ${rel} goes through a symlink loop`);
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw new GkError(`firmware ${rel} in ${this.dir} cannot be read (${code})`, 'check the permissions of the firmware directory');
    }
  }

  /**
   * Adds one firmware name (as modinfo spells it: relative to the firmware dir). Returns false
   * when neither NAME, NAME.zst nor NAME.xz exists.
   */
  async addName(name: string): Promise<boolean> {
    const rel = posix.normalize(name).replace(/^\/+/, '');
    if (rel.startsWith('../') || rel === '..') {
      // Drivers and --firmware-files name files inside the firmware dir; anything else is not firmware.
      throw new GkError(`firmware name "${name}" points outside ${this.dir}`, 'firmware names are relative to the firmware dir; a module or --firmware-files naming ../ is refused');
    }
    for (const suffix of SUFFIXES) {
      if (await this.addPath(rel + suffix, suffix, rel)) {
        this.added.add(name);
        return true;
      }
    }
    return false;
  }

  /** Follows `rel`'s symlink chain inside the firmware dir, adding each hop; false if it dangles. */
  private async addPath(rel: string, suffix: '' | '.xz' | '.zst', name: string): Promise<boolean> {
    const keep = this.keeps(suffix);
    const first = await this.lstatIn(rel, name);
    if (!first || first.isDirectory()) return false;
    if (!keep) {
      // The plain name gets the decompressed bytes; symlinks in between do not matter then.
      const real = await this.resolveChain(rel, name, false);
      if (!real) return false;
      await this.addDecompressed(real.host, rel.slice(0, -suffix.length), suffix as '.xz' | '.zst');
      return true;
    }
    return (await this.resolveChain(rel, name, true)) !== undefined;
  }

  /**
   * Walks a symlink chain starting at `rel`. With `record`, each in-directory link and the final
   * file are added to the image. A chain that leaves the directory ends in a copy of its target.
   * Returns the host path of the final file, or undefined when the chain dangles.
   */
  private async resolveChain(rel: string, name: string, record: boolean): Promise<{ host: string } | undefined> {
    const seen = new Set<string>();
    // Links are added only once the chain ends in a file: a dangling chain leaves no trace.
    const links: Array<[string, string]> = [];
    const commit = () => {
      for (const [at, to] of links) {
        if (this.done.has(at)) continue;
        this.done.add(at);
        this.image.addSymlink(`lib/firmware/${at}`, to);
      }
    };
    let cur = rel;
    for (let hops = 0; ; hops++) {
      if (seen.has(cur)) throw loopError(this.dir, name, `symlink loop through ${[...seen, cur].join(' -> ')}`);
      if (hops > MAX_HOPS) throw loopError(this.dir, name, `more than ${MAX_HOPS} symlinks in a row from ${rel}`);
      seen.add(cur);
      const st = await this.lstatIn(cur, name);
      if (!st) return undefined;
      const host = join(this.dir, cur);
      if (st.isFile()) {
        if (record) {
          commit();
          this.addFile(cur, host, st.size);
        }
        return { host };
      }
      if (!st.isSymbolicLink()) return undefined;
      const target = await readlink(host);
      const inside = target.startsWith('/')
        ? target.startsWith(this.dir.replace(/\/+$/, '') + '/')
          ? posix.normalize(target.slice(this.dir.replace(/\/+$/, '').length + 1))
          : undefined
        : posix.normalize(posix.join(posix.dirname(cur), target));
      if (inside === undefined || inside.startsWith('../')) {
        // Points outside the firmware dir (another package's data): the image gets the content.
        const outside = await stat(host).catch((e: NodeJS.ErrnoException) => {
          if (e.code === 'ELOOP') throw loopError(this.dir, name, `symlink ${cur} ends in a loop outside the directory`);
          return undefined;
        });
        if (!outside?.isFile()) return undefined;
        if (record) {
          commit();
          this.addFile(cur, host, outside.size);
        }
        return { host };
      }
      links.push([cur, posix.relative(posix.dirname(cur), inside) || posix.basename(inside)]);
      cur = inside;
    }
  }

  private addFile(rel: string, host: string, size: number): void {
    if (this.done.has(rel)) return;
    this.done.add(rel);
    // Firmware is data: readable, never executable, whatever the host file says.
    this.image.addFile(`lib/firmware/${rel}`, host, 0o644);
    this.bytes += size;
  }

  private async addDecompressed(host: string, plainRel: string, suffix: '.xz' | '.zst'): Promise<void> {
    if (this.done.has(plainRel)) return;
    this.done.add(plainRel);
    const data = await decompressFirmware(await readFile(host), suffix, join(this.dir, plainRel + suffix));
    const out = join(this.scratch, String(this.scratchN++));
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, data);
    this.image.addFile(`lib/firmware/${plainRel}`, out, 0o644);
    this.bytes += data.length;
  }

  /**
   * --all-firmware: every file under the directory. The walk never follows symlinks, so a link
   * cycle cannot make it loop; links are kept (with the suffix dropped on both ends when the
   * target gets decompressed).
   */
  async addAll(): Promise<number> {
    let files = 0;
    const walk = async (rel: string): Promise<void> => {
      const entries = await readdir(join(this.dir, rel), { withFileTypes: true });
      entries.sort((a, b) => (a.name < b.name ? -1 : 1));
      for (const e of entries) {
        const r = rel ? `${rel}/${e.name}` : e.name;
        const suffix = e.name.endsWith('.zst') ? '.zst' : e.name.endsWith('.xz') ? '.xz' : '';
        const keep = this.keeps(suffix);
        if (e.isDirectory()) {
          await walk(r);
        } else if (e.isSymbolicLink()) {
          const target = await readlink(join(this.dir, r));
          if (keep) this.image.addSymlink(`lib/firmware/${r}`, target);
          else this.image.addSymlink(`lib/firmware/${r.slice(0, -suffix.length)}`, target.endsWith(suffix) ? target.slice(0, -suffix.length) : target);
        } else if (e.isFile()) {
          const st = await stat(join(this.dir, r));
          if (keep) this.addFile(r, join(this.dir, r), st.size);
          else await this.addDecompressed(join(this.dir, r), r.slice(0, -suffix.length), suffix as '.xz' | '.zst');
          files++;
        }
      }
    };
    await walk('');
    return files;
  }
}

/**
 * The one grouped warning for firmware the modules name but the directory lacks: a count and
 * the first few names at the default loglevel, every name (with who asked) at --loglevel=3.
 */
export function missingFirmwareReport(
  missing: ReadonlyMap<string, readonly string[]>,
  dir: string,
  shown = 5,
): { warning?: string; details: string[] } {
  if (missing.size === 0) return { details: [] };
  const names = [...missing.keys()].sort();
  const head = names.slice(0, shown).join(', ');
  const more = names.length > shown ? ` and ${names.length - shown} more` : '';
  const noun = names.length === 1 ? 'firmware file' : 'firmware files';
  return {
    warning: `${names.length} ${noun} the selected drivers can ask for ${names.length === 1 ? 'is' : 'are'} not in ${dir}: ${head}${more} (drivers usually ask for firmware of every chip variant they support; --loglevel=3 lists them all)`,
    details: names.map((n) => `firmware ${n} not found (named by ${missing.get(n)!.join(', ')})`),
  };
}
