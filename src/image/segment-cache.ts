import { createHash } from 'node:crypto';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ImageEntry } from './image-tree.js';
import { trustedUids } from '../trust/owner-rule.js';
import { readCacheEntry, writeCacheEntry } from '../trust/cache-entry.js';

/**
 * Compressed segments of earlier builds, by content: the key is a digest of the segment's
 * uncompressed newc bytes, the compressor, its level and the zstd library's version, so a hit is
 * exactly the frame a fresh compression would produce and the image stays byte-identical to a
 * build from scratch. A rebuild that changed nothing (or only a conf value outside the module
 * segments) compresses nothing again.
 *
 * Packing a segment to learn its key means reading every file in it, so a segment is first looked
 * up by a cheaper key: its entries' paths, modes and kinds, the contents of in-memory files, and
 * for a file on the host its path and identity (device, inode, size, mtime and ctime, in ns). Any
 * write to a file changes its ctime, which cannot be set back, so a changed file misses. That key
 * leads to a small reference entry naming the content key; a rebuild whose files are the same
 * files reads neither them nor hashes them.
 *
 * Each entry is SHA-256(payload) followed by the payload (a frame, or a reference's content key).
 * An entry that fails that digest (a torn
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

  /** The content key: a digest of the segment's packed bytes. */
  key(raw: Buffer): string {
    return createHash('sha256').update(this.salt).update('\0').update(raw).digest('hex');
  }

  /**
   * The identity key (see the top of this file), or undefined when a host file cannot be
   * stat'ed (packing will say why). `mtime` is the one every entry carries.
   */
  identityKey(entries: readonly ImageEntry[], mtime: number): string | undefined {
    const h = createHash('sha256').update(this.salt).update(`\0identity\0${mtime}\n`);
    for (const e of entries) {
      let what: string;
      if (e.kind === 'file') {
        if (typeof e.source === 'string') {
          let st;
          try {
            st = statSync(e.source, { bigint: true });
          } catch {
            return undefined;
          }
          what = `host\0${e.source}\0${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
        } else {
          what = `data\0${createHash('sha256').update(e.source).digest('hex')}`;
        }
        what = `${e.mode}\0${what}`;
      } else if (e.kind === 'symlink') what = e.target;
      else if (e.kind === 'dir') what = String(e.mode);
      else what = `${e.mode}\0${e.major}\0${e.minor}`;
      h.update(`${e.kind}\0${e.path}\0${what}\n`);
    }
    return h.digest('hex');
  }

  private path(key: string, ext: 'seg' | 'ref'): string {
    return join(this.cache.dir, `${key}.${ext}`);
  }

  /** A cached payload, or undefined (absent; damaged or untrusted ones are counted and removed). */
  private read(key: string, ext: 'seg' | 'ref'): Buffer | undefined {
    const r = readCacheEntry(this.path(key, ext), this.trusted);
    if (r.payload === undefined && r.rejected) this.stats.rejected++;
    return r.payload;
  }

  /** The cached frame for a content key, or undefined. */
  frame(key: string): Buffer | undefined {
    return this.read(key, 'seg');
  }

  /** The cached frame an identity key leads to, or undefined. */
  frameByIdentity(identity: string): Buffer | undefined {
    const ref = this.read(identity, 'ref')?.toString('latin1');
    return ref && /^[0-9a-f]{64}$/.test(ref) ? this.frame(ref) : undefined;
  }

  /** Counts one segment as taken from the cache or compressed. */
  count(hit: boolean): void {
    if (hit) this.stats.hits++;
    else this.stats.misses++;
  }

  /** The cached frame for `key`, or undefined (counted as a hit or a miss). */
  get(key: string): Buffer | undefined {
    const f = this.frame(key);
    this.count(f !== undefined);
    return f;
  }

  /** Stores a frame under its content key. */
  put(key: string, frame: Buffer): void {
    this.write(key, 'seg', frame);
  }

  /** Records that the segment with this identity packs to the content key `key`. */
  link(identity: string, key: string): void {
    this.write(identity, 'ref', Buffer.from(key, 'latin1'));
  }

  private write(key: string, ext: 'seg' | 'ref', payload: Buffer): void {
    writeCacheEntry(this.path(key, ext), payload);
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
