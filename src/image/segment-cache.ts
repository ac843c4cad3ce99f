import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { trustedUids } from '../trust/owner-rule.js';

/**
 * Compressed segments of earlier builds, by content: the key is a digest of the segment's
 * uncompressed newc bytes, the compressor, its level and the zstd library's version, so a hit is
 * exactly the frame a fresh compression would produce and the image stays byte-identical to a
 * build from scratch. A rebuild that changed nothing (or only a conf value outside the module
 * segments) compresses nothing again.
 *
 * Each entry is SHA-256(frame) followed by the frame. An entry that fails that digest (a torn
 * write, a flipped bit), or that is not a regular file owned by root (or the invoking user) and
 * closed to group and others — the trust rule of src/trust — is not used: the segment is
 * compressed again and the entry replaced. Entries unused for the longest go first once the
 * cache holds more than its budget.
 */
export interface SegmentCache {
  dir: string;
  /** Total bytes the entries may take before the least recently used are removed. */
  budgetBytes?: number;
}

export interface CacheStats {
  hits: number;
  misses: number;
  /** Entries found damaged or untrusted, and replaced. */
  rejected: number;
}

const DIGEST = 32;
const DEFAULT_BUDGET = 512 * 1024 * 1024;

function zstdVersion(): string {
  try {
    return (createRequire(import.meta.url)('@mongodb-js/zstd/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export class SegmentStore {
  readonly stats: CacheStats = { hits: 0, misses: 0, rejected: 0 };
  private readonly trusted = trustedUids();
  private readonly salt: string;

  constructor(
    private readonly cache: SegmentCache,
    compressor: string,
    level: number,
  ) {
    this.salt = `${compressor}-${level}-zstd-binding-${zstdVersion()}`;
  }

  key(raw: Buffer): string {
    return createHash('sha256').update(this.salt).update('\0').update(raw).digest('hex');
  }

  private path(key: string): string {
    return join(this.cache.dir, `${key}.seg`);
  }

  /** The cached frame for `key`, or undefined (absent, damaged or untrusted: counted). */
  get(key: string): Buffer | undefined {
    const file = this.path(key);
    let st;
    try {
      st = lstatSync(file);
    } catch {
      this.stats.misses++;
      return undefined;
    }
    const trusted = st.isFile() && this.trusted.has(st.uid) && (st.mode & 0o022) === 0;
    const data = trusted ? readFileSync(file) : undefined;
    const frame = data?.subarray(DIGEST);
    if (!data || data.length <= DIGEST || !createHash('sha256').update(frame!).digest().equals(data.subarray(0, DIGEST))) {
      this.stats.rejected++;
      this.stats.misses++;
      rmSync(file, { force: true });
      return undefined;
    }
    this.stats.hits++;
    const now = new Date();
    utimesSync(file, now, now); // the LRU order of prune()
    return Buffer.from(frame!);
  }

  /** Stores a frame (temp file + rename, so a reader never sees half an entry). Failures only cost reuse. */
  put(key: string, frame: Buffer): void {
    try {
      mkdirSync(this.cache.dir, { recursive: true, mode: 0o755 });
      const tmp = `${this.path(key)}.${process.pid}.tmp`;
      writeFileSync(tmp, Buffer.concat([createHash('sha256').update(frame).digest(), frame]), { mode: 0o644 });
      renameSync(tmp, this.path(key));
    } catch {
      // a full or read-only cache dir: the image is written all the same
    }
  }

  /** Removes the least recently used entries beyond the budget. */
  prune(): void {
    let entries;
    try {
      entries = readdirSync(this.cache.dir).map((name) => {
        const st = statSync(join(this.cache.dir, name));
        return { name, size: st.size, used: st.mtimeMs };
      });
    } catch {
      return;
    }
    let total = entries.reduce((n, e) => n + e.size, 0);
    for (const e of entries.sort((a, b) => a.used - b.used)) {
      if (total <= (this.cache.budgetBytes ?? DEFAULT_BUDGET)) break;
      rmSync(join(this.cache.dir, e.name), { force: true });
      total -= e.size;
    }
  }
}
