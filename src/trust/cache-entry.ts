import { createHash } from 'node:crypto';
import { closeSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, utimesSync, writevSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * One file of a build cache (compressed segments, module plans): SHA-256(payload) followed by
 * the payload. Reading applies the trust rule of this folder to the entry: a regular file owned
 * by a trusted user and closed to group and others, whose digest matches. Anything else (a torn
 * write, a flipped bit, a file another user could have written) is removed and reported as
 * rejected, so the caller builds the value again.
 */
const DIGEST = 32;

export type CacheRead = { payload: Buffer } | { payload?: undefined; rejected: boolean };

export function readCacheEntry(file: string, trusted: ReadonlySet<number>): CacheRead {
  let st;
  try {
    st = lstatSync(file);
  } catch {
    return { rejected: false };
  }
  const ok = st.isFile() && trusted.has(st.uid) && (st.mode & 0o022) === 0;
  const data = ok ? readFileSync(file) : undefined;
  const payload = data?.subarray(DIGEST);
  if (!data || data.length <= DIGEST || !createHash('sha256').update(payload!).digest().equals(data.subarray(0, DIGEST))) {
    rmSync(file, { force: true });
    return { rejected: true };
  }
  const now = new Date();
  utimesSync(file, now, now); // least recently used goes first when the cache is pruned
  return { payload: Buffer.from(payload!) };
}

/** Writes an entry (temp file + rename, so a reader never sees half of one). Failures only cost reuse. */
export function writeCacheEntry(file: string, payload: Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
    // Digest and payload written as two pieces: joining them copied every compressed segment once more.
    const fd = openSync(tmp, 'w', 0o644);
    try {
      const digest = createHash('sha256').update(payload).digest();
      if (writevSync(fd, [digest, payload]) !== digest.length + payload.length) throw new Error('short write');
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch {
    // a full or read-only cache dir: the build goes on without it (and without a torn temp file)
    try {
      rmSync(tmp, { force: true });
    } catch {
      // nothing was written there
    }
  }
}
