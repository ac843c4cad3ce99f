import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Builds dist/ as `npm run build` does: tsc, then the CLI bundle the launcher runs. The bundle is
 * made even when tsc reports type errors (tsc still emits), so bin/tsgenkernel never runs a bundle
 * older than the modules beside it. Returns tsc's report when it had one.
 */
export function buildDist(): string | undefined {
  const tsc = spawnSync('npx', ['tsc', '-p', '.'], { cwd: REPO, encoding: 'utf8' });
  const bundle = spawnSync('npm', ['run', '--silent', 'bundle'], { cwd: REPO, encoding: 'utf8' });
  if (bundle.status !== 0) throw new Error(`npm run bundle failed:\n${bundle.stdout}${bundle.stderr}`);
  return tsc.status === 0 ? undefined : tsc.stdout;
}
