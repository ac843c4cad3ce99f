import { GkError } from '../errors.js';
import { normaliseModuleName } from '../kmod/names.js';

/**
 * Which missing modules are worth stopping for. The shipped groups (defaults/modules_load) list
 * drivers for every kind of machine and kernel; a kernel without one of them is normal, so those
 * only warn, as genkernel does. A name the user wrote into their own genkernel.conf
 * (MODULES_<GROUP>= or AMODULES_<GROUP>=) is different: it is usually the driver their root
 * needs, and a typo would otherwise produce an image that cannot boot. Those stop the build.
 */
export function explicitlyRequestedMissing(overrides: ReadonlyMap<string, string>, missing: readonly string[]): Array<{ module: string; key: string }> {
  const gone = new Set(missing.map(normaliseModuleName));
  const out: Array<{ module: string; key: string }> = [];
  for (const [key, value] of overrides) {
    if (!/^A?MODULES_[A-Z0-9_]+$/.test(key)) continue;
    for (const word of value.split(/\s+/)) {
      if (word && gone.has(normaliseModuleName(word)) && !out.some((o) => o.module === word)) out.push({ module: word, key });
    }
  }
  return out;
}

/** Throws when the user's own MODULES_/AMODULES_ names a module the kernel has neither as a file nor built in. */
export function checkExplicitModules(overrides: ReadonlyMap<string, string>, missing: readonly string[], moduleDir: string): void {
  const bad = explicitlyRequestedMissing(overrides, missing);
  if (bad.length === 0) return;
  const list = bad.map((b) => `${b.module} (${b.key})`).join(', ');
  throw new GkError(
    `genkernel.conf asks for module${bad.length > 1 ? 's' : ''} ${list}, which this kernel has neither in ${moduleDir} nor built in`,
    `check the spelling (\`modinfo -k KV NAME\`), enable it in the kernel, or remove it from ${[...new Set(bad.map((b) => b.key))].join(', ')}`,
  );
}
