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

/** One source tarball as recorded in gkbuilds/distfiles.manifest. */
export interface Distfile {
  recipe: string;
  version: string;
  /** Debian source package that carries the same tarball (the fetch script's fallback). */
  debianSource: string;
  /** File name inside DISTDIR. */
  file: string;
  sha256: string;
  upstreamUrls: string[];
}

/** Where recipes, patches and the manifest are read from (tests point these at their own tree). */
export interface RecipeSources {
  gkbuildsDir: string;
  patchesDir: string;
  manifestPath: string;
}

export interface Patch {
  name: string;
  path: string;
  text: string;
}

/** A recipe with everything that decides its output, read from disk but not yet built. */
export interface Recipe {
  name: string;
  version: string;
  path: string;
  text: string;
  /** Recipe names from the recipe's DEPEND="..." line, built first and merged into BROOT. */
  depends: string[];
  distfile: Distfile;
  /** patches/<pn>/<pv>; the patches found there, sorted by name (the order they are applied). */
  patchDir: string;
  patches: Patch[];
}
