import { execFileSync } from 'node:child_process';
import { installedKernels } from '../src/kernel/installed-kernels.js';

/**
 * The one answer to "which kernel do the tests, the demo and the bench use": the newest installed
 * kernel with both /boot/vmlinuz-KV and /lib/modules/KV (Debian's linux-image-amd64 moves its ABI
 * number with every point release, so it is never written down). TSGK_TEST_KV overrides it.
 */
function pickKernel(): string {
  const wanted = process.env.TSGK_TEST_KV;
  if (wanted) return wanted;
  const newest = installedKernels()[0];
  if (newest === undefined) {
    throw new Error('no installed kernel has both /boot/vmlinuz-KV and /lib/modules/KV: run scripts/setup (it installs linux-image-amd64), or set TSGK_TEST_KV');
  }
  return newest;
}

export const TEST_KV = pickKernel();
export const TEST_MODULE_DIR = `/lib/modules/${TEST_KV}`;
export const TEST_KERNEL_CONFIG = `/boot/config-${TEST_KV}`;
export const TEST_KERNEL_IMAGE = `/boot/vmlinuz-${TEST_KV}`;

/** How many module files a tree holds, counted by find(1): the figure tests compare against. */
export function countModuleFiles(moduleDir: string): number {
  const out = execFileSync('find', [moduleDir, '-name', '*.ko', '-o', '-name', '*.ko.*'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l !== '').length;
}

/** TEST_KV escaped for use inside a RegExp. */
export const TEST_KV_RE = TEST_KV.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
