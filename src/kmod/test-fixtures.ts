/**
 * Small real module trees for tests: the modules a few requests need, copied from the Debian tree,
 * recompressed with the real zstd/xz/gzip tools and indexed by the real depmod. Tests that only
 * read use the full tree in place (REAL_MODULE_DIR).
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { run } from '../exec.js';
import { COMPRESSION_FACTS, type ModuleCompression } from './compression.js';
import { loadModuleIndex } from './module-index.js';
import { resolveModules } from './resolver.js';
import { TEST_KV, TEST_MODULE_DIR } from '../../test/debian-kernel.js';

export const REAL_KV = TEST_KV;
export const REAL_MODULE_DIR = TEST_MODULE_DIR;
/** ext4 (with its crc32c softdep) and the virtio disk/net/console stack: what a QEMU boot needs. */
export const FIXTURE_REQUESTS = ['ext4', 'virtio_pci', 'virtio_blk', 'virtio_scsi', 'virtio_net', 'virtio_console', 'vfat'];

export interface ModuleTreeFixture {
  /** depmod's BASEDIR: the tree is baseDir/lib/modules/kv. */
  baseDir: string;
  moduleDir: string;
  kv: string;
  /** Module files, relative to moduleDir, with their compression suffix. */
  files: string[];
  cleanup(): Promise<void>;
}

const COMPRESS_CMD: Record<Exclude<ModuleCompression, 'none'>, [string, string[]]> = {
  zstd: ['zstd', ['-q', '--rm', '-T0']],
  // The kernel's own modules_install uses a crc32 check and a 1 MiB dictionary for xz.
  xz: ['xz', ['--check=crc32', '--lzma2=dict=1MiB', '-T0']],
  gzip: ['gzip', ['-n', '-9']],
};

export async function makeModuleTree(compression: ModuleCompression, requests: readonly string[] = FIXTURE_REQUESTS): Promise<ModuleTreeFixture> {
  const baseDir = await mkdtemp(join(tmpdir(), `gk-modtree-${compression}-`));
  const kv = REAL_KV;
  const moduleDir = join(baseDir, 'lib/modules', kv);
  const real = await loadModuleIndex(REAL_MODULE_DIR, { modprobeDirs: [] });
  const plan = resolveModules(real, requests);
  await mkdir(moduleDir, { recursive: true });
  for (const m of plan.modules) {
    await mkdir(dirname(join(moduleDir, m.relPath)), { recursive: true });
    await copyFile(join(REAL_MODULE_DIR, m.relPath), join(moduleDir, m.relPath));
  }
  for (const f of ['modules.builtin', 'modules.builtin.modinfo']) await copyFile(join(REAL_MODULE_DIR, f), join(moduleDir, f));
  const keep = new Set(plan.modules.map((m) => m.relPath));
  const order = (await readFile(join(REAL_MODULE_DIR, 'modules.order'), 'utf8')).split('\n').filter((l) => keep.has(l));
  await writeFile(join(moduleDir, 'modules.order'), order.join('\n') + '\n');

  const plain = plan.modules.map((m) => m.relPath);
  if (compression === 'gzip') {
    // Debian's kmod has no zlib: index the plain files, then write what a zlib-enabled depmod would
    // have written (the same text with .ko.gz names). The binary indexes would be stale, so they go.
    await run('depmod', ['-b', baseDir, kv]);
    const dep = await readFile(join(moduleDir, 'modules.dep'), 'utf8');
    await writeFile(join(moduleDir, 'modules.dep'), dep.replace(/\.ko(?=[:\s])/g, '.ko.gz'));
    for (const bin of ['modules.dep.bin', 'modules.alias.bin', 'modules.symbols.bin', 'modules.softdep.bin']) await rm(join(moduleDir, bin), { force: true });
  }
  if (compression !== 'none') {
    const [cmd, args] = COMPRESS_CMD[compression];
    await run(cmd, [...args, ...plain], { cwd: moduleDir });
  }
  if (compression !== 'gzip') await run('depmod', ['-b', baseDir, kv]);
  return {
    baseDir,
    moduleDir,
    kv,
    files: plain.map((p) => p.replace(/\.ko$/, COMPRESSION_FACTS[compression].suffix)),
    cleanup: () => rm(baseDir, { recursive: true, force: true }),
  };
}
