/**
 * The floor: the bare cost of archiving and compressing the very bytes our image holds, with
 * the stock tools and no generator around them. Our image is unpacked to a directory (page
 * cache warm, as it is for every generator after its first run) and
 *   find . | sort | cpio -o -H newc | zstd -LEVEL
 * is timed over it, with zstd on one thread and on all cores.
 */
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { extractImage } from './image-facts.js';
import { measureOk, median, type Measured } from './measure.js';

export interface FloorResult {
  threads: number;
  wallMs: number;
  bytes: number;
  runs: Measured[];
}

const SCRIPT = 'cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | zstd -q -"$2" -T"$3" > "$4"';

export async function floorOf(image: string, work: string, level: number, runs: number): Promise<FloorResult[]> {
  const tree = join(work, 'tree');
  rmSync(tree, { recursive: true, force: true });
  await extractImage(image, tree);
  const results: FloorResult[] = [];
  for (const threads of [1, 0]) {
    const out = join(work, `floor-T${threads}.cpio.zst`);
    const all: Measured[] = [];
    for (let i = 0; i < runs; i++) {
      all.push(await measureOk('floor', 'sh', ['-c', SCRIPT, 'sh', tree, String(level), String(threads), out]));
    }
    results.push({ threads, wallMs: median(all.map((m) => m.wallMs)), bytes: statSync(out).size, runs: all });
  }
  // The tree stays: bench/segments.ts reuses it.
  return results;
}
