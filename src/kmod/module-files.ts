import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isModuleFileName } from './names.js';

export interface ModuleFile {
  /** Relative to the module dir, '/'-separated as in modules.dep. */
  relPath: string;
  mtimeMs: number;
}

/**
 * Every module file under a module dir. Symlinks are not followed: "build" and "source" point into
 * the kernel source tree, whose .ko files (if any) are not installed modules.
 */
export async function listModuleFiles(moduleDir: string): Promise<ModuleFile[]> {
  const out: ModuleFile[] = [];
  const walk = async (rel: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(join(moduleDir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    const files: string[] = [];
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else if (e.isFile() && isModuleFileName(e.name)) files.push(r);
    }
    const stats = await Promise.all(files.map((r) => stat(join(moduleDir, r))));
    files.forEach((r, i) => out.push({ relPath: r, mtimeMs: stats[i]!.mtimeMs }));
  };
  await walk('');
  return out.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
}
