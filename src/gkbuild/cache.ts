import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BuiltTool } from './types.js';
import { firstDifference, treeDigests, type TreeDigests } from '../trust/tree-digest.js';

interface EntryMeta {
  name: string;
  version: string;
  key: string;
  builtAt: string;
  buildSeconds: number;
  /** Every file's sha256 (and link target) under root/, as committed. */
  digests?: TreeDigests;
}

/** Why a lookup found an entry it would not use (the caller logs it and rebuilds). */
export type RejectNote = (text: string) => void;

/** A build in progress: DESTDIR lives inside `dir`, which becomes the entry by one rename. */
export interface Staging {
  name: string;
  key: string;
  dir: string;
  root: string;
}

/**
 * Built tools under <CACHE_DIR>/gkbuild/<name>/<key>/{root/,meta.json}. An entry appears only by
 * renaming a finished staging directory into place, meta.json already inside, so an interrupted
 * build leaves at most a `.tmp-<pid>-*` directory that never counts as a hit. The distfiles may
 * live under CACHE_DIR too; only the gkbuild/ subdirectory is ever cleared.
 */
export class ToolCache {
  constructor(readonly dir: string) {}

  private entryDir(name: string, key: string): string {
    return join(this.dir, name, key);
  }

  /**
   * A hit costs one small file read and hashing the entry's few MB of files (no tarball is
   * hashed, nothing is spawned). An entry whose files no longer match the digests recorded at
   * commit is never used: it is moved out of the way so the tool is built again. Entries made
   * before digests were recorded get them now (the cache dir passed the trust rule, so only
   * root could have changed them).
   */
  lookup(name: string, key: string, rejected?: RejectNote): BuiltTool | undefined {
    const entry = this.entryDir(name, key);
    let meta: EntryMeta;
    try {
      meta = JSON.parse(readFileSync(join(entry, 'meta.json'), 'utf8')) as EntryMeta;
    } catch {
      return undefined;
    }
    if (meta.key !== key) return undefined;
    const now = treeDigests(join(entry, 'root'));
    if (!meta.digests) {
      writeMeta(entry, { ...meta, digests: now });
    } else {
      const changed = firstDifference(meta.digests, now);
      if (changed !== undefined) {
        rejected?.(`cached ${name} ${meta.version} (${key.slice(0, 12)}) was changed after it was built (${changed} differs from its recorded digest): building it again`);
        this.evict(entry);
        return undefined;
      }
    }
    return { name, version: meta.version, key, root: join(entry, 'root'), cached: true };
  }

  logPath(name: string, key: string): string {
    mkdirSync(join(this.dir, 'logs'), { recursive: true, mode: 0o755 });
    return join(this.dir, 'logs', `${name}-${key.slice(0, 12)}.log`);
  }

  stage(name: string, key: string): Staging {
    const parent = join(this.dir, name);
    // Not the umask's choice: a group-writable cache dir would fail the trust rule next run.
    mkdirSync(parent, { recursive: true, mode: 0o755 });
    this.removeAbandonedStaging(parent);
    const dir = mkdtempSync(join(parent, `.tmp-${process.pid}-`));
    const root = join(dir, 'root');
    mkdirSync(root);
    return { name, key, dir, root };
  }

  commit(staging: Staging, version: string, buildSeconds: number): BuiltTool {
    const meta: EntryMeta = { name: staging.name, version, key: staging.key, builtAt: new Date().toISOString(), buildSeconds, digests: treeDigests(staging.root) };
    writeFileSync(join(staging.dir, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
    const entry = this.entryDir(staging.name, staging.key);
    try {
      renameSync(staging.dir, entry);
    } catch (err) {
      // Another run stored the same key first: identical inputs, so its entry is as good as ours.
      if (!existsSync(join(entry, 'meta.json'))) throw err;
      rmSync(staging.dir, { recursive: true, force: true });
    }
    return { name: staging.name, version, key: staging.key, root: join(entry, 'root'), cached: false };
  }

  discard(staging: Staging): void {
    rmSync(staging.dir, { recursive: true, force: true });
  }

  /** Moves a bad entry aside (one rename, so a concurrent lookup never sees half of it), then drops it. */
  private evict(entry: string): void {
    const aside = `${entry}.bad-${process.pid}`;
    try {
      renameSync(entry, aside);
    } catch {
      return; // another run moved it first
    }
    rmSync(aside, { recursive: true, force: true });
  }

  clear(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Staging directories whose process is gone (killed mid-build) are only litter. */
  private removeAbandonedStaging(parent: string): void {
    for (const name of readdirSync(parent)) {
      const pid = /^\.tmp-(\d+)-/.exec(name)?.[1];
      if (pid && !processAlive(Number(pid))) rmSync(join(parent, name), { recursive: true, force: true });
    }
  }
}

function writeMeta(entry: string, meta: EntryMeta): void {
  const tmp = join(entry, `.meta.json.${process.pid}`);
  writeFileSync(tmp, JSON.stringify(meta, null, 2) + '\n');
  renameSync(tmp, join(entry, 'meta.json'));
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
