import { createHash } from 'node:crypto';

/** Everything that decides a recipe's output. MAKEOPTS is left out on purpose: -jN changes nothing built. */
export interface KeyInputs {
  recipe: string;
  patches: ReadonlyArray<{ name: string; text: string }>;
  /** sha256 of each source tarball, from the manifest (never re-hashed on a cache lookup). */
  sources: readonly string[];
  /** Effective configuration (busybox .config); absent for recipes without one. */
  config?: string;
  /** `cc --version` first line plus the C library version. */
  compiler: string;
  /** The driver script and fixed environment every recipe runs under. */
  runner: string;
  /** Dependency name -> its cache key: a rebuilt dependency rebuilds its users. */
  depends: Readonly<Record<string, string>>;
}

export function cacheKey(inputs: KeyInputs): string {
  // Fixed field order and sorted dependency names, so equal inputs always serialise equally.
  const canonical = JSON.stringify([
    'gkbuild-key-v1',
    inputs.recipe,
    inputs.patches.map((p) => [p.name, p.text]),
    inputs.sources,
    inputs.config ?? null,
    inputs.compiler,
    inputs.runner,
    Object.keys(inputs.depends)
      .sort()
      .map((k) => [k, inputs.depends[k]]),
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}
