import { GkError } from '../errors.js';
import { parseShellAssignments } from '../config/conf-parser.js';

/** Group key ("MODULES_FS") -> module names, in file order. */
export type ModuleGroups = Map<string, string[]>;

const GROUP_KEY = /^MODULES_[A-Z0-9_]+$/;
const words = (v: string) => v.split(/\s+/).filter((w) => w !== '');

/** Reads defaults/modules_load: MODULES_<GROUP>="name name ..." assignments, nothing else. */
export function moduleGroups(text: string, source = 'defaults/modules_load'): ModuleGroups {
  const groups: ModuleGroups = new Map();
  for (const [key, value] of parseShellAssignments(text, source)) {
    if (!GROUP_KEY.test(key)) throw new GkError(`${source}: ${key} is not a module group (MODULES_<NAME>)`, `rename it MODULES_${key} or remove it`);
    groups.set(key, words(value));
  }
  return groups;
}

/**
 * The module names the groups ask for, with genkernel's conf overrides: MODULES_<G> replaces
 * group G (or adds a new one), AMODULES_<G> appends to it. Each name once, in group order.
 */
export function groupModules(
  groups: ReadonlyMap<string, readonly string[]>,
  overrides: ReadonlyMap<string, string> | Readonly<Record<string, unknown>>,
): string[] {
  const get = (k: string): string | undefined => {
    const v = overrides instanceof Map ? overrides.get(k) : (overrides as Record<string, unknown>)[k];
    return typeof v === 'string' ? v : undefined;
  };
  const keys = overrides instanceof Map ? [...overrides.keys()] : Object.keys(overrides);
  const order = [...groups.keys()];
  for (const k of keys) {
    const g = k.startsWith('AMODULES_') ? k.slice(1) : k;
    if (GROUP_KEY.test(g) && !order.includes(g)) order.push(g);
  }
  const out: string[] = [];
  const seen = new Set<string>();
  for (const g of order) {
    const replaced = get(g);
    const names = [...(replaced !== undefined ? words(replaced) : (groups.get(g) ?? [])), ...words(get(`A${g}`) ?? '')];
    for (const n of names) {
      if (!seen.has(n)) {
        seen.add(n);
        out.push(n);
      }
    }
  }
  return out;
}
