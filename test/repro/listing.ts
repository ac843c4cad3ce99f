/**
 * A line per image entry with everything the cpio header carries that the kernel or a checksum
 * would see (mode, owner, mtime, links, size, content hash), so two builds that differ can be
 * diffed to the entry that causes it.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readImage } from '../../src/image/read-image.js';

export async function detailedListing(image: string): Promise<string[]> {
  const parts = await readImage(readFileSync(image), image);
  const lines: string[] = [];
  parts.forEach((p, i) => {
    lines.push(`== part ${i + 1} ${p.compression} ${p.entries.length} entries`);
    for (const e of p.entries) {
      const hash = createHash('sha256').update(e.data).digest('hex').slice(0, 16);
      lines.push(`${e.mode.toString(8)} ${e.uid}:${e.gid} mtime=${e.mtime} nlink=${e.nlink} dev=${e.rdevMajor},${e.rdevMinor} ${e.data.length} ${hash} ${e.name}`);
    }
  });
  return lines;
}

/** The first lines where two listings part, with a few lines of context. */
export function firstDifferences(a: readonly string[], b: readonly string[], max = 20): string {
  const out: string[] = [];
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n && out.length < max; i++) {
    if (a[i] !== b[i]) out.push(`@${i}\n  - ${a[i] ?? '(none)'}\n  + ${b[i] ?? '(none)'}`);
  }
  return out.join('\n');
}

/** Offset of the first differing byte, or -1. */
export function firstDifferentByte(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}
