/** A static tool produced by a gkbuild recipe, as found in (or just added to) the cache. */
export interface BuiltTool {
  /** Recipe name, e.g. "kmod", "busybox". */
  name: string;
  version: string;
  /** Cache key the result was stored under. */
  key: string;
  /** Install root: the recipe's DESTDIR, holding e.g. bin/kmod or bin/busybox. */
  root: string;
  /** True when taken from the cache without building. */
  cached: boolean;
}
