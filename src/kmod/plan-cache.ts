import { createHash } from 'node:crypto';
import { lstatSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trustedUids } from '../trust/owner-rule.js';
import { readCacheEntry, writeCacheEntry } from '../trust/cache-entry.js';
import { dirEntries, fileIdentity } from './staged-modules-cache.js';
import type { ModulePlan } from './types.js';

/**
 * Module plans of earlier builds, so a rebuild does not parse modules.dep/alias/softdep and
 * resolve again. The key is what a plan is computed from: the requested names, the identity
 * (device, inode, size, mtime, ctime) of each index file the resolver reads, of the kernel config
 * (filesystems' mount-time needs), of every modprobe.d file whose softdeps count, and of the
 * resolver's own code. Entries follow the trust rule of src/trust/cache-entry.ts.
 */
export interface PlanKeyInputs {
  moduleDir: string;
  kv: string;
  /** The names asked for, or 'all' (--all-ramdisk-modules). */
  requested: readonly string[] | 'all';
  configPath: string;
  modprobeDirs: readonly string[];
}

const FORMAT = 'module-plan-1';
const KEEP = 16;
const INDEX_FILES = ['modules.dep', 'modules.alias', 'modules.softdep', 'modules.builtin', 'modules.builtin.modinfo', 'modules.order'];
/** This folder's compiled code and the stage that calls it: a changed resolver must not reuse plans. */
const CODE_DIRS = [dirname(fileURLToPath(import.meta.url)), join(dirname(fileURLToPath(import.meta.url)), '..', 'stages')];

export function planKey(i: PlanKeyInputs): string {
  const h = createHash('sha256');
  const line = (...parts: string[]) => h.update(parts.join('\0') + '\n');
  line(FORMAT, i.kv, i.moduleDir, i.configPath, fileIdentity(i.configPath));
  line('requested', ...(i.requested === 'all' ? ['\0all'] : [...i.requested].sort()));
  for (const f of INDEX_FILES) line('index', f, fileIdentity(join(i.moduleDir, f)));
  for (const d of i.modprobeDirs) for (const f of dirEntries(d)) line('modprobe.d', d, f, fileIdentity(join(d, f)));
  for (const d of CODE_DIRS) for (const f of dirEntries(d).filter((n) => n.endsWith('.js'))) line('code', f, fileIdentity(join(d, f)));
  return h.digest('hex');
}

interface StoredPlan {
  modules: ModulePlan['modules'];
  builtin: string[];
  missing: string[];
  mountTimeNeeds: Array<[string, string[]]>;
}

export type PlanLookup = { plan: ModulePlan } | { plan?: undefined; rejected: boolean };

export function cachedPlan(dir: string, key: string): PlanLookup {
  const r = readCacheEntry(join(dir, `${key}.json`), trustedUids());
  if (r.payload === undefined) return { rejected: r.rejected };
  try {
    const s = JSON.parse(r.payload.toString('utf8')) as StoredPlan;
    return { plan: { modules: s.modules, builtin: s.builtin, missing: s.missing, mountTimeNeeds: new Map(s.mountTimeNeeds) } };
  } catch {
    return { rejected: true };
  }
}

const pending = new WeakMap<ModulePlan, { dir: string; key: string }>();

/** Marks a freshly resolved plan for the cache; storePendingPlan writes it once a build uses it. */
export function planToStore(plan: ModulePlan, dir: string, key: string): void {
  pending.set(plan, { dir, key });
}

/** Writes a plan marked by planToStore (no-op for one from the cache or one not to be cached). */
export function storePendingPlan(plan: ModulePlan): void {
  const p = pending.get(plan);
  if (!p) return;
  pending.delete(plan);
  storePlan(p.dir, p.key, plan);
}

function storePlan(dir: string, key: string, plan: ModulePlan): void {
  const stored: StoredPlan = {
    modules: plan.modules,
    builtin: plan.builtin,
    missing: plan.missing,
    mountTimeNeeds: [...(plan.mountTimeNeeds ?? new Map<string, readonly string[]>())].map(([k, v]) => [k, [...v]]),
  };
  writeCacheEntry(join(dir, `${key}.json`), Buffer.from(JSON.stringify(stored)));
  const entries = dirEntries(dir)
    .filter((n) => n.endsWith('.json'))
    .map((n) => ({ n, used: lstatSync(join(dir, n)).mtimeMs }))
    .sort((a, b) => b.used - a.used);
  for (const e of entries.slice(KEEP)) rmSync(join(dir, e.n), { force: true });
}
