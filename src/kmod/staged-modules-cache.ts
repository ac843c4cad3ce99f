import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { trustedUids } from '../trust/owner-rule.js';
import type { ModulePlan } from './types.js';

/**
 * Staged module trees of earlier builds (modules plus the indexes depmod wrote for them), so a
 * rebuild with the same modules neither stages nor runs depmod again, and the image writer sees
 * the same files — with the same identity — as last time (src/image/segment-cache.ts keys the
 * module segments by that identity).
 *
 * The key is the identity of every input the tree is made from: each planned module file,
 * modules.order/builtin/builtin.modinfo, the depmod program and its configuration, the kernel
 * release and the staging options. A file's identity is device, inode, size, mtime and ctime:
 * any write to a file changes its ctime, which no one can set back, so a changed module misses.
 *
 * A tree is built under a temporary name and renamed into place when complete, so a reader never
 * sees half a tree. One that breaks the trust rule of src/trust (an entry owned by someone else,
 * or writable by group or others) is not used: it is removed and built again. The trees used
 * longest ago go first once more than `keep` are stored.
 */
export interface StagedTreeCache {
  dir: string;
  /** How many trees to keep (each is the size of its decompressed modules, or links only). */
  keep?: number;
}

export interface StagingInputs {
  plan: ModulePlan;
  moduleDir: string;
  kv: string;
  decompress: boolean;
  link: boolean;
}

const FORMAT = 'staged-modules-1';
const DEFAULT_KEEP = 3;
const KERNEL_INDEX_INPUTS = ['modules.order', 'modules.builtin', 'modules.builtin.modinfo'];
const DEPMOD_CONFIG_DIRS = ['/etc/depmod.d', '/run/depmod.d', '/usr/local/lib/depmod.d', '/lib/depmod.d', '/usr/lib/depmod.d'];

/** dev:ino:size:mtime:ctime (ns), or "-" when the path does not exist. */
export function fileIdentity(path: string): string {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
  } catch {
    return '-';
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    if (fileIdentity(p) !== '-') return p;
  }
  return undefined;
}

/** A directory's names, sorted; none when it cannot be read. */
export function dirEntries(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

export function stagingKey(i: StagingInputs): string {
  const h = createHash('sha256');
  const line = (...parts: string[]) => h.update(parts.join('\0') + '\n');
  line(FORMAT, i.kv, String(i.decompress), String(i.link), i.moduleDir);
  const depmod = onPath('depmod');
  line('depmod', depmod ?? '-', depmod ? fileIdentity(depmod) : '-');
  for (const d of DEPMOD_CONFIG_DIRS) for (const f of dirEntries(d)) line('depmod.d', d, f, fileIdentity(join(d, f)));
  for (const f of KERNEL_INDEX_INPUTS) line('index', f, fileIdentity(join(i.moduleDir, f)));
  for (const m of i.plan.modules) line('module', m.relPath, fileIdentity(join(i.moduleDir, m.relPath)));
  return h.digest('hex');
}

/** Every entry of a cached tree passes the trust rule; symlinks are judged by owner only. */
function trustedTree(root: string, trusted: ReadonlySet<number>): boolean {
  const ok = (p: string): boolean => {
    const st = lstatSync(p);
    if (!trusted.has(st.uid)) return false;
    if (st.isSymbolicLink()) return true;
    if ((st.mode & 0o022) !== 0) return false;
    if (st.isDirectory()) return readdirSync(p).every((n) => ok(join(p, n)));
    return st.isFile();
  };
  try {
    return ok(root);
  } catch {
    return false;
  }
}

export type Lookup = { root: string; hit: true } | { hit: false; rejected: boolean };

/** The cached tree for `key` when it is there and trusted (then marked as just used). */
export function cachedStagedTree(cache: StagedTreeCache, key: string): Lookup {
  const root = join(cache.dir, key);
  try {
    lstatSync(root);
  } catch {
    return { hit: false, rejected: false };
  }
  if (!trustedTree(root, trustedUids())) {
    rmSync(root, { recursive: true, force: true });
    return { hit: false, rejected: true };
  }
  const now = new Date();
  utimesSync(root, now, now); // the LRU order of prune
  return { root, hit: true };
}

/** A fresh directory to stage into, beside where the tree will live (so the rename stays on one filesystem). */
export function stagingDir(cache: StagedTreeCache, key: string): string {
  mkdirSync(cache.dir, { recursive: true, mode: 0o755 });
  const tmp = join(cache.dir, `${key}.${process.pid}.tmp`);
  rmSync(tmp, { recursive: true, force: true });
  return tmp;
}

/** Puts a complete staged tree in place under `key` and drops the oldest trees beyond `keep`. */
export function storeStagedTree(cache: StagedTreeCache, key: string, staged: string): string {
  closeTree(staged);
  const root = join(cache.dir, key);
  rmSync(root, { recursive: true, force: true });
  renameSync(staged, root);
  prune(cache);
  return root;
}

/** Modes independent of the builder's umask: 0755 directories, 0644 files (a umask of 0 would fail the trust rule). */
function closeTree(p: string): void {
  const st = lstatSync(p);
  if (st.isSymbolicLink()) return;
  chmodSync(p, st.isDirectory() ? 0o755 : 0o644);
  if (st.isDirectory()) for (const n of readdirSync(p)) closeTree(join(p, n));
}

/** Total size of the files a tree holds (through links: the kernel's files). */
export function treeBytes(root: string): number {
  let bytes = 0;
  for (const e of readdirSync(root, { withFileTypes: true })) {
    const p = join(root, e.name);
    bytes += e.isDirectory() ? treeBytes(p) : statSync(p).size;
  }
  return bytes;
}

const STALE_TMP_MS = 3600_000;
const IN_USE_MS = 600_000;

function prune(cache: StagedTreeCache): void {
  // A build that died mid-staging leaves its temporary tree; an hour on, it is nobody's.
  for (const n of dirEntries(cache.dir).filter((x) => x.endsWith('.tmp'))) {
    const p = join(cache.dir, n);
    if (Date.now() - lstatSync(p).mtimeMs > STALE_TMP_MS) rmSync(p, { recursive: true, force: true });
  }
  const trees = dirEntries(cache.dir)
    .filter((n) => /^[0-9a-f]{64}$/.test(n))
    .map((n) => ({ n, used: lstatSync(join(cache.dir, n)).mtimeMs }))
    .sort((a, b) => b.used - a.used);
  // A tree used in the last minutes may be what a concurrent build is packing right now.
  for (const t of trees.slice(cache.keep ?? DEFAULT_KEEP)) {
    if (Date.now() - t.used > IN_USE_MS) rmSync(join(cache.dir, t.n), { recursive: true, force: true });
  }
}
