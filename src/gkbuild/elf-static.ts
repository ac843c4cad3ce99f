import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { elfLinkage } from '../elf/elf-reader.js';

/** Every executable ELF file under `root` that is not static, with the reason (symlinks are skipped). */
export function dynamicExecutables(root: string): Array<{ path: string; reason: string }> {
  const found: Array<{ path: string; reason: string }> = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const st = lstatSync(path);
      if (st.isDirectory()) walk(path);
      else if (st.isFile() && (st.mode & 0o111) !== 0) {
        const linkage = elfLinkage(readFileSync(path));
        if (linkage.kind === 'dynamic') found.push({ path: relative(root, path), reason: linkage.reason });
      }
    }
  };
  walk(root);
  return found;
}
