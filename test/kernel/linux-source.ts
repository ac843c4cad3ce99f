import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../src/exec.js';

/**
 * Debian's linux-source-6.1 package ships the kernel sources as one tarball. Tests share a
 * single unpacked copy (unpacking takes ~30 s) and never build inside it: builds use O= so
 * the tree stays clean enough for every later O= build.
 */
export const LINUX_SOURCE_TARBALL = process.env.TSGK_LINUX_SOURCE_TARBALL ?? '/usr/src/linux-source-6.1.tar.xz';
const CACHE_ROOT = process.env.TSGK_KERNEL_TEST_CACHE ?? '/var/tmp/tsgk-kernel';

export function haveLinuxSource(): boolean {
  return existsSync(LINUX_SOURCE_TARBALL);
}

/** The unpacked tree, unpacking it on first use (atomically, so parallel test files can race). */
export async function linuxSourceTree(): Promise<string> {
  const tree = join(CACHE_ROOT, 'linux-source-6.1');
  if (existsSync(join(tree, 'Makefile'))) return tree;
  if (!haveLinuxSource()) {
    throw new Error(`${LINUX_SOURCE_TARBALL} is missing: apt-get install linux-source-6.1`);
  }
  await mkdir(CACHE_ROOT, { recursive: true });
  const staging = await mkdtemp(join(CACHE_ROOT, '.unpack-'));
  try {
    await run('tar', ['-xf', LINUX_SOURCE_TARBALL, '-C', staging]);
    await rename(join(staging, 'linux-source-6.1'), tree).catch((err: NodeJS.ErrnoException) => {
      // Another worker won the race; its tree is as good as ours.
      if (!existsSync(join(tree, 'Makefile'))) throw err;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return tree;
}

/** A fresh directory for one test's build output (O=), under the shared cache root. */
export async function scratchDir(prefix: string): Promise<string> {
  await mkdir(CACHE_ROOT, { recursive: true });
  return mkdtemp(join(CACHE_ROOT, `${prefix}-`));
}
