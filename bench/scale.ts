/**
 * Build time, peak RSS and image size against the number of modules: ours and mkinitramfs at
 * the same points. The points are derived at run time from the kernel's modules.dep: 12 (the
 * minimal image), 275 (our generic image), 1000 and every module. A list of N modules is the
 * first module names of modules.dep in a fixed order, cut so that with their dependencies the
 * image holds about N (the resolver adds what they need).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseModulesDep } from '../src/kmod/modules-dep.js';

export const SCALE_POINTS = [12, 275, 1000] as const;

/** Module names whose dependency closure holds about `target` modules (all of them for Infinity). */
export function moduleListOf(moduleDir: string, target: number): string[] {
  const entries = parseModulesDep(readFileSync(join(moduleDir, 'modules.dep'), 'utf8'));
  const byPath = new Map(entries.map((e) => [e.relPath, e.name]));
  // Sorted by path: a stable order that mixes subsystems as the tree does.
  const sorted = [...entries].sort((a, b) => (a.relPath < b.relPath ? -1 : 1));
  const chosen: string[] = [];
  const closure = new Set<string>();
  for (const e of sorted) {
    if (closure.size >= target) break;
    chosen.push(e.name);
    closure.add(e.name);
    for (const d of e.deps) closure.add(byPath.get(d) ?? d);
  }
  return chosen;
}
