/**
 * The start of a disk preparer's initramfs (a QEMU guest that lays out disks with the kernel's
 * device-mapper and md): the host's busybox, /init (the preparer script) with preparer-lib.sh
 * and /prepare.env, host tools with their library closure (src/elf), and kernel modules
 * resolved with their dependencies, loaded by the host's kmod (plain .ko files). Callers add
 * what is theirs and write the image uncompressed.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ImageTree } from '../../src/image/image-tree.js';
import { writeImage } from '../../src/image/write-image.js';
import { addHostBinary } from '../../src/elf/add-host-binary.js';
import { loadModuleIndex, resolveModules } from '../../src/kmod/resolver.js';
import { REPO } from './fixture.js';

export const PREPARER_LIB_SH = join(REPO, 'test', 'boot', 'preparer-lib.sh');

export interface PreparerSpec {
  kv: string;
  /** The preparer script, installed as /init. */
  script: string;
  /** Shell assignments for /prepare.env (values single-quoted: plain words only), or its text. */
  env: Record<string, string | number> | string;
  /** [host path, path in the image]. */
  tools: ReadonlyArray<readonly [string, string]>;
  modules: readonly string[];
}

/** /prepare.env's text. */
export function prepareEnvText(env: PreparerSpec['env']): string {
  if (typeof env === 'string') return env;
  return Object.entries(env).map(([k, v]) => `${k}='${v}'\n`).join('');
}

export async function preparerImage(spec: PreparerSpec): Promise<ImageTree> {
  const image = new ImageTree();
  for (const d of ['proc', 'sys', 'dev', 'run', 'tmp', 'mnt']) image.ensureDir(d);
  image.addDevice('dev/console', 'chardev', 5, 1);
  image.addFile('bin/busybox', '/bin/busybox', 0o755);
  image.addFile('init', spec.script, 0o755);
  image.addFile('preparer-lib.sh', PREPARER_LIB_SH, 0o644);
  image.addFile('prepare.env', Buffer.from(prepareEnvText(spec.env)));
  for (const [host, inImage] of spec.tools) await addHostBinary(image, host, inImage);
  const moduleDir = `/lib/modules/${spec.kv}`;
  const plan = resolveModules(await loadModuleIndex(moduleDir, { modprobeDirs: [] }), spec.modules);
  if (plan.missing.length > 0) throw new Error(`preparer ${spec.script}: modules not found: ${plan.missing.join(' ')}`);
  for (const m of plan.modules) image.addFile(`lib/modules/${spec.kv}/${m.relPath}`, join(moduleDir, m.relPath));
  for (const f of ['modules.dep', 'modules.dep.bin', 'modules.alias.bin', 'modules.softdep', 'modules.symbols.bin', 'modules.builtin.bin', 'modules.builtin.alias.bin']) {
    if (existsSync(join(moduleDir, f))) image.addFile(`lib/modules/${spec.kv}/${f}`, join(moduleDir, f));
  }
  return image;
}

/** Writes a preparer image as an uncompressed cpio (the kernel unpacks it fastest). */
export async function writePreparer(image: ImageTree, dest: string): Promise<void> {
  await writeImage(image, dest, { compressor: { name: 'none', level: 0 }, mtime: 0 });
}
