import { access, copyFile, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { constants, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { GkError } from '../errors.js';
import { mapLimit } from '../map-limit.js';
import type { Logger } from '../log.js';
import { compressionOfFile } from './compression.js';
import { decompressModule } from './decompress-module.js';
import { runDepmod } from './index-health.js';
import type { ModulePlan } from './types.js';

export interface StageModulesOptions {
  /** Write plain .ko files (any loader reads them) instead of the files as shipped. */
  decompress: boolean;
  /** Files read and decompressed at once; bounds memory (each holds one module, a few MB at most). */
  concurrency?: number;
  /**
   * Modules kept as they are (uncompressed, or not to be decompressed) become symlinks to the
   * kernel's files instead of copies: depmod follows them, and the image writer reads the
   * kernel's file when it packs the archive. Saves writing (and later reading back) the whole
   * module set once per build; the image's bytes are the same.
   */
  link?: boolean;
}

export interface StagedModules {
  /** Every file written under destRoot (modules and indexes), relative to destRoot, sorted. */
  files: string[];
  /** Their total size. */
  bytes: number;
}

/** Index files the kernel build writes that depmod reads back (it regenerates the rest). */
const COPIED_INDEX_FILES = ['modules.builtin', 'modules.builtin.modinfo'];

/**
 * Puts the planned modules into destRoot/lib/modules/KV, decompressed or as shipped, and lets the
 * host depmod index that tree, so the image's modules.dep/alias/softdep name exactly the files it
 * carries. Files are processed by a small pool of workers: no process per module, and at most
 * `concurrency` modules in memory.
 */
export async function stageModules(
  plan: ModulePlan,
  moduleDir: string,
  destRoot: string,
  kv: string,
  opts: StageModulesOptions,
  log?: Logger,
): Promise<StagedModules> {
  const destModuleDir = join(destRoot, 'lib/modules', kv);
  await mkdir(destModuleDir, { recursive: true });
  const stagedPaths: string[] = new Array(plan.modules.length);
  const madeDirs = new Set<string>();
  const ensureDir = async (d: string) => {
    if (madeDirs.has(d)) return;
    await mkdir(d, { recursive: true });
    madeDirs.add(d);
  };

  const one = async (i: number): Promise<void> => {
    const m = plan.modules[i]!;
    const compression = compressionOfFile(m.relPath);
    const src = join(moduleDir, m.relPath);
    if (!compression) throw new GkError(`module ${m.name} has an unknown file name ${m.relPath}`, 'regenerate the module indexes with depmod');
    const outRel = opts.decompress ? m.relPath.replace(/\.ko\.(zst|xz|gz)$/, '.ko') : m.relPath;
    const dest = join(destModuleDir, outRel);
    stagedPaths[i] = outRel;
    const asShipped = !opts.decompress || compression === 'none';
    await ensureDir(dirname(dest));
    if (asShipped && opts.link) {
      // Through the libuv pool, several at once: a symlink whose target does not fit in the inode
      // takes a journaled block (2 ms each on a busy disk), so one after another was slower than copying.
      await access(src, constants.R_OK)
        .then(() => symlink(resolve(src), dest))
        .catch((err: NodeJS.ErrnoException) => {
          throw stagingError(err, src, dest);
        });
      return;
    }
    if (asShipped) {
      // Byte-for-byte: the kernel's copy stays what it shipped (signatures included).
      await copyFile(src, dest).catch((err: NodeJS.ErrnoException) => {
        throw stagingError(err, src, dest);
      });
      return;
    }
    let data: Buffer;
    try {
      data = await readFile(src);
    } catch (err) {
      throw new GkError(`kernel module ${src} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, 'reinstall the kernel modules, or run depmod so modules.dep matches the files');
    }
    await writeFile(dest, await decompressModule(data, compression, src));
  };

  let done = 0;
  await mapLimit(plan.modules, Math.max(1, opts.concurrency ?? 8), async (_, i) => {
    await one(i);
    done++;
    if (done % 200 === 0) log?.progress(`modules: ${done}/${plan.modules.length}`);
  });
  log?.clearProgress();

  for (const f of COPIED_INDEX_FILES) {
    await copyFile(join(moduleDir, f), join(destModuleDir, f)).catch(() => log?.debug(`${f} not found in ${moduleDir}; not copied`));
  }
  await writeModulesOrder(moduleDir, destModuleDir, stagedPaths);
  await runDepmod(destRoot, kv, log);

  const files = listTree(destRoot);
  let bytes = 0;
  for (const f of files) bytes += statSync(join(destRoot, f)).size;
  log?.debug(`staged ${plan.modules.length} modules, ${files.length} files, ${bytes} bytes in ${destModuleDir}`);
  return { files, bytes };
}

/**
 * modules.order keeps the kernel's link order (depmod sorts modules.dep by it, which decides
 * which driver of two wins an alias). Only the staged modules are kept. depmod matches its lines
 * against the uncompressed names, so they stay ".ko" whatever the files are called.
 */
async function writeModulesOrder(moduleDir: string, destModuleDir: string, staged: readonly string[]): Promise<void> {
  let order: string[];
  try {
    order = (await readFile(join(moduleDir, 'modules.order'), 'utf8')).split('\n');
  } catch {
    return;
  }
  const stem = (p: string) => p.replace(/\.ko(\.(zst|xz|gz))?$/, '');
  const stagedStems = new Set(staged.map(stem));
  const kept: string[] = [];
  for (const line of order) {
    const s = stem(line.trim());
    if (stagedStems.has(s)) kept.push(`${s}.ko`);
  }
  await writeFile(join(destModuleDir, 'modules.order'), kept.length ? kept.join('\n') + '\n' : '');
}

function listTree(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listTree(root, r));
    else out.push(r);
  }
  return out.sort();
}

/** A module that cannot be copied or linked: a full or read-only temp dir is not the module's fault. */
function stagingError(err: NodeJS.ErrnoException, src: string, dest: string): GkError {
  if (err.code === 'ENOSPC' || err.code === 'EDQUOT' || err.code === 'EROFS') {
    return new GkError(`cannot write ${dest} (${err.code})`, 'free space in the temp dir, or pass --tmpdir=DIR on a larger filesystem');
  }
  return new GkError(`kernel module ${src} cannot be read (${err.code ?? err.message})`, 'reinstall the kernel modules, or run depmod so modules.dep matches the files');
}
