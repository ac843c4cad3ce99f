import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadManifest } from '../src/gkbuild/manifest.js';
import { defaultRecipeSources } from '../src/gkbuild/paths.js';

/**
 * Every test that needs the static tools uses this one cache, so a test run builds busybox and
 * kmod once (in the global setup) instead of once per test file. It is the tool's own default
 * cache, so a machine that ran the demo starts warm; TSGK_TEST_CACHEDIR points elsewhere.
 */
export const TEST_CACHEDIR = process.env.TSGK_TEST_CACHEDIR ?? '/var/cache/tsgenkernel';
export const TEST_DISTDIR = process.env.DISTDIR || '/var/cache/tsgenkernel/distfiles';

export function missingDistfiles(distdir = TEST_DISTDIR): string[] {
  return [...loadManifest(defaultRecipeSources().manifestPath).values()].map((d) => d.file).filter((f) => !existsSync(join(distdir, f)));
}
