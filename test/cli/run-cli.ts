import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { moduleGroups } from '../../src/kmod/module-groups.js';
import { TEST_CACHEDIR, TEST_DISTDIR } from '../shared-cache.js';
import { TEST_KV } from '../debian-kernel.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO = HERE.includes('/dist/') ? join(HERE, '..', '..', '..') : join(HERE, '..', '..');
export const BIN = join(REPO, 'bin', 'tsgenkernel');

export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a user would (the sh launcher, dist/ code); builds use the shared tool cache. */
export function runCli(args: string[], env: Record<string, string> = {}): CliRun {
  const build = ['all', 'kernel', 'bzImage', 'initramfs', 'ramdisk'].includes(args[0] ?? '');
  const res = spawnSync(BIN, build ? [...args, `--cachedir=${TEST_CACHEDIR}`, `--distdir=${TEST_DISTDIR}`] : args, {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
    timeout: 15 * 60_000,
    maxBuffer: 64 << 20,
  });
  return { status: res.status ?? -1, stdout: res.stdout, stderr: res.stderr };
}

/** A genkernel.conf that empties every shipped module group and sets the ones given. */
export function writeGroupConf(path: string, groups: Record<string, string>, extra = ''): string {
  const shipped = moduleGroups(readFileSync(join(REPO, 'defaults', 'modules_load'), 'utf8'));
  const lines = [...shipped.keys()].map((g) => `${g}="${groups[g] ?? ''}"`);
  writeFileSync(path, lines.join('\n') + '\n' + extra);
  return path;
}

/** A copy of Debian's kernel config with another module compression chosen. */
export function configWithCompression(path: string, symbol: 'NONE' | 'GZIP' | 'XZ' | 'ZSTD', kv = TEST_KV): string {
  const text = readFileSync(`/boot/config-${kv}`, 'utf8')
    .replace(/^CONFIG_MODULE_COMPRESS_\w+=y$/m, '')
    .concat(`\nCONFIG_MODULE_COMPRESS_${symbol}=y\n`);
  writeFileSync(path, text);
  return path;
}
