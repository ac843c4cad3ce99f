import { gkbuildTestContext, removeTestDirs } from '../src/gkbuild/test-context.js';
import { ensureTools } from '../src/gkbuild/index.js';
import { missingDistfiles, TEST_CACHEDIR, TEST_DISTDIR } from './shared-cache.js';
import { buildDist } from './build-dist.js';

/**
 * Before any test file runs: build (or find in the cache) the static tools every image needs,
 * in both busybox variants (with and without modutils). Test files run in parallel, and without
 * this each would start the same multi-minute build.
 */
export default async function setup(): Promise<void> {
  // The CLI tests run dist/: build it once, here, before test files run in parallel.
  const problems = buildDist();
  if (problems) console.warn(`global setup: tsc reported problems (dist/ is still emitted):\n${problems}`);
  process.env.TSGK_DIST_BUILT = '1';
  if (missingDistfiles().length > 0) {
    console.warn(`global setup: distfiles missing in ${TEST_DISTDIR}; tests that need static tools will build or skip on their own`);
    return;
  }
  const started = performance.now();
  for (const KMOD of [true, false]) {
    const { ctx } = gkbuildTestContext({ distdir: TEST_DISTDIR, cache: TEST_CACHEDIR, settings: { KMOD } });
    const tools = await ensureTools(ctx, KMOD ? ['kmod', 'busybox'] : ['busybox']);
    for (const t of tools.values()) console.log(`global setup: ${t.name} ${t.version} ${t.cached ? 'cached' : 'built'}`);
  }
  removeTestDirs();
  console.log(`global setup: static tools ready in ${((performance.now() - started) / 1000).toFixed(1)}s`);
}
