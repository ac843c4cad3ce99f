import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GkError } from '../errors.js';
import type { Distfile, Patch, Recipe, RecipeSources } from './types.js';

/** DEPEND="a b c" on a line of its own; read as text, so looking at a recipe never runs it. */
export function parseDepends(text: string): string[] {
  const m = /^DEPEND=(["']?)([^"'\n]*)\1\s*$/m.exec(text);
  return m?.[2]?.split(/\s+/).filter(Boolean) ?? [];
}

export function readPatches(patchDir: string): Patch[] {
  if (!existsSync(patchDir)) return [];
  return readdirSync(patchDir)
    .filter((f) => f.endsWith('.patch'))
    .sort() // byte order, the same order the driver's LC_ALL=C glob applies them in
    .map((name) => {
      const path = join(patchDir, name);
      return { name, path, text: readFileSync(path, 'utf8') };
    });
}

export function loadRecipe(sources: RecipeSources, manifest: Map<string, Distfile>, name: string): Recipe {
  const path = join(sources.gkbuildsDir, `${name}.gkbuild`);
  if (!existsSync(path)) {
    throw new GkError(`there is no gkbuild recipe named ${name}`, `expected ${path}`);
  }
  const distfile = manifest.get(name);
  if (!distfile) throw new Error(`internal: ${sources.manifestPath} has no line for recipe ${name}`);
  const text = readFileSync(path, 'utf8');
  const patchDir = join(sources.patchesDir, name, distfile.version);
  return { name, version: distfile.version, path, text, depends: parseDepends(text), distfile, patchDir, patches: readPatches(patchDir) };
}

/** The recipes `names` need, dependencies before the recipes that use them. */
export function resolveOrder(load: (name: string) => Recipe, names: string[]): Recipe[] {
  const done = new Map<string, Recipe>();
  const visiting = new Set<string>();
  const visit = (name: string, chain: string[]): void => {
    if (done.has(name)) return;
    if (visiting.has(name)) throw new Error(`internal: recipe dependency cycle ${[...chain, name].join(' -> ')}`);
    visiting.add(name);
    const recipe = load(name);
    for (const dep of recipe.depends) visit(dep, [...chain, name]);
    visiting.delete(name);
    done.set(name, recipe);
  };
  for (const n of names) visit(n, []);
  return [...done.values()];
}
