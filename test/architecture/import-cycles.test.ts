import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The folders of src/ form layers: no folder may reach itself again through imports of other
 * folders (stages may use cli's helpers or cli the stages, never both). Every import counts, type-only ones
 * too: a type that has to come from "above" is a sign the concept sits in the wrong folder. The
 * files directly in src/ (context, pipeline, errors, log, exec, ...) are the shared core every
 * folder may use, and tests (*.test.ts) may reach across folders, so neither counts here.
 */
const SRC = join(dirname(fileURLToPath(import.meta.url)), '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** The folder under src/ a file belongs to, or undefined for the core files in src/ itself. */
function folderOf(file: string): string | undefined {
  const parts = relative(SRC, file).split(sep);
  return parts.length > 1 && parts[0] !== '..' ? parts[0] : undefined;
}

/** Relative specifiers of every import/export-from and dynamic import() in a file. */
export function importSpecifiers(text: string): string[] {
  const out: string[] = [];
  const re = /\b(?:import|export)\s[^'";]*?\bfrom\s+['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;
  for (const m of text.matchAll(re)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out.filter((s) => s.startsWith('.'));
}

/** folder -> folder -> one example import (file -> target), for the failure message. */
function folderGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of sourceFiles(SRC)) {
    const from = folderOf(file);
    if (!from) continue;
    for (const spec of importSpecifiers(readFileSync(file, 'utf8'))) {
      const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
      const to = folderOf(target);
      if (!to || to === from) continue;
      const edges = graph.get(from) ?? new Map<string, string>();
      if (!edges.has(to)) edges.set(to, `${relative(SRC, file)} imports ${spec}`);
      graph.set(from, edges);
    }
  }
  return graph;
}

/** Each cycle once, as the list of folders along it with the import that makes each step. */
function cycles(graph: Map<string, Map<string, string>>): string[] {
  const found = new Set<string>();
  const out: string[] = [];
  const walk = (start: string, at: string, path: string[], why: string[]) => {
    for (const [next, example] of graph.get(at) ?? []) {
      if (next === start) {
        const key = [...path].sort().join(',');
        if (!found.has(key)) {
          found.add(key);
          out.push([...path, start].join(' -> ') + '\n    ' + [...why, example].join('\n    '));
        }
      } else if (!path.includes(next) && next > start) {
        walk(start, next, [...path, next], [...why, example]);
      }
    }
  };
  for (const start of [...graph.keys()].sort()) walk(start, start, [start], []);
  return out;
}

describe('folder layering of src/', () => {
  it('finds imports of every kind, so a cycle cannot hide behind a type or a dynamic import', () => {
    const text = [
      "import type { A } from '../a/x.js';",
      "import { b, type B } from '../b/y.js';",
      "export { c } from '../c/z.js';",
      "const d = await import('../d/w.js');",
      "import '../e/side-effect.js';",
      "import { readFile } from 'node:fs';",
    ].join('\n');
    expect(importSpecifiers(text)).toEqual(['../a/x.js', '../b/y.js', '../c/z.js', '../d/w.js', '../e/side-effect.js']);
  });

  it('detects a cycle of three folders', () => {
    const g = new Map([
      ['a', new Map([['b', 'a/1.ts imports ../b/1.js']])],
      ['b', new Map([['c', 'b/1.ts imports ../c/1.js']])],
      ['c', new Map([['a', 'c/1.ts imports ../a/1.js']])],
    ]);
    expect(cycles(g)).toHaveLength(1);
    expect(cycles(g)[0]).toMatch(/^a -> b -> c -> a/);
  });

  it('has no import cycle between folders', () => {
    const graph = folderGraph();
    expect(graph.size).toBeGreaterThan(5);
    expect(cycles(graph)).toEqual([]);
  });
});
