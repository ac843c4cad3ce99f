/**
 * The one worker pool: runs `fn` over `items` with at most `limit` calls in flight and returns
 * the results in input order. The work itself (reads, decompression) runs on libuv's pool, so a
 * few in flight keep both cores busy while bounding memory to `limit` items at a time. The first
 * failure rejects the whole call; workers stop taking new items once one has failed.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!, i);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}
