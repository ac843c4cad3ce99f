import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/exec.js';

const HERE = dirname(fileURLToPath(import.meta.url));

/** The boot test's kernel, as a Kconfig fragment; see the comments inside it. */
export const BOOT_TEST_FRAGMENT = join(HERE, 'boot-test.config.fragment');

/**
 * Expands a fragment into a full .config for `sourceDir`: `make allnoconfig` with the fragment
 * as KCONFIG_ALLCONFIG, so every option not named stays off unless a named one needs it. Done in
 * a throwaway O= dir (a few seconds: it builds scripts/kconfig/conf there) and copied to `dest`.
 */
export async function expandConfigFragment(sourceDir: string, fragment: string, dest: string): Promise<void> {
  const work = await mkdtemp(join(dirname(dest), '.expand-'));
  try {
    await run('make', ['-s', '-C', sourceDir, `O=${work}`, `KCONFIG_ALLCONFIG=${fragment}`, 'allnoconfig']);
    await copyFile(join(work, '.config'), dest);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
