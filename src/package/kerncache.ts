import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import { GkError } from '../errors.js';
import { readTarArchive, type ReadMember } from './read-tar.js';
import { writeTarArchive, type ArchiveOptions, type TarMember } from './tar-archive.js';
import { treeMembers } from './tree-members.js';

/**
 * The kernel cache (--kerncache): one tar with genkernel's member names (kernel-ARCH-KV,
 * System.map-ARCH-KV, config-ARCH-KV, lib/modules/KV) plus kerncache.json, which records what
 * decides "the same build": the source version, a digest of the effective config and the
 * toolchain.
 */
export const MANIFEST_NAME = 'kerncache.json';

export interface KerncacheIdentity {
  arch: string;
  /** KV of the sources (include/config/kernel.release, or the Makefile's version). */
  sourceVersion: string;
  /** sha256 of the config's settings (comment and blank lines dropped, as genkernel compares). */
  configDigest: string;
  /** First line of `gcc --version`: another compiler builds another kernel. */
  toolchain: string;
}

export interface KerncacheManifest extends KerncacheIdentity {
  format: 1;
}

export function configDigest(configText: string): string {
  const settings = configText
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  return createHash('sha256').update(settings.join('\n')).digest('hex');
}

const names = (id: Pick<KerncacheIdentity, 'arch' | 'sourceVersion'>) => ({
  kernel: `kernel-${id.arch}-${id.sourceVersion}`,
  systemMap: `System.map-${id.arch}-${id.sourceVersion}`,
  config: `config-${id.arch}-${id.sourceVersion}`,
  modules: `lib/modules/${id.sourceVersion}`,
});

export interface KerncacheInputs {
  kernelImage: string;
  systemMap: string;
  configPath: string;
  /** Absent for a kernel without modules. */
  moduleDir?: string;
}

/** Writes the cache after a successful build, atomically like every archive. */
export async function writeKerncache(dest: string, id: KerncacheIdentity, files: KerncacheInputs, opts: ArchiveOptions = {}): Promise<number> {
  const n = names(id);
  const manifest: KerncacheManifest = { format: 1, ...id };
  async function* members(): AsyncGenerator<TarMember> {
    yield { name: MANIFEST_NAME, type: 'file', mode: 0o644, data: Buffer.from(JSON.stringify(manifest, null, 2) + '\n') };
    for (const [name, source] of [
      [n.kernel, files.kernelImage],
      [n.systemMap, files.systemMap],
      [n.config, files.configPath],
    ] as const) {
      const st = await stat(source);
      yield { name, type: 'file', mode: 0o644, source, size: st.size, mtime: Math.floor(st.mtimeMs / 1000) };
    }
    if (files.moduleDir) yield* treeMembers(files.moduleDir, n.modules);
  }
  return writeTarArchive(dest, members(), opts);
}

export type KerncacheVerdict = { use: true; manifest: KerncacheManifest; members: ReadMember[] } | { use: false; reason: string };

/**
 * Whether a cache may replace configure+compile. `wanted` is this run's identity; with
 * --no-kernel-sources there are no sources to compare, so only the architecture and the
 * cache's completeness count (as in genkernel). Every "no" is one line saying why; the caller
 * then builds normally.
 */
export async function judgeKerncache(path: string, wanted: KerncacheIdentity | { arch: string; noSources: true }): Promise<KerncacheVerdict> {
  const st = await stat(path).catch(() => undefined);
  if (!st) return { use: false, reason: `kerncache ${path} does not exist yet; building normally` };
  let members: ReadMember[];
  try {
    members = await readTarArchive(path);
  } catch (err) {
    return { use: false, reason: `kerncache ${path} is unreadable (${err instanceof GkError ? err.message : String(err)}); building normally` };
  }
  const raw = members.find((m) => m.header.name === MANIFEST_NAME);
  let manifest: KerncacheManifest | undefined;
  try {
    manifest = raw ? (JSON.parse(raw.data.toString('utf8')) as KerncacheManifest) : undefined;
  } catch {
    manifest = undefined;
  }
  if (!manifest || manifest.format !== 1) return { use: false, reason: `kerncache ${path} has no valid ${MANIFEST_NAME} (not written by tsgenkernel, or damaged); building normally` };
  if (manifest.arch !== wanted.arch) return { use: false, reason: `kerncache ${path} is for ${manifest.arch}, this build is ${wanted.arch}; building normally` };
  const n = names(manifest);
  const present = new Set(members.map((m) => m.header.name.replace(/\/$/, '')));
  const missing = [n.kernel, n.systemMap, n.config].filter((f) => !present.has(f));
  if (missing.length) return { use: false, reason: `kerncache ${path} lacks ${missing.join(', ')}; building normally` };
  if (!('noSources' in wanted)) {
    if (manifest.sourceVersion !== wanted.sourceVersion) return { use: false, reason: `kerncache ${path} holds ${manifest.sourceVersion}, the sources are ${wanted.sourceVersion}; building normally` };
    if (manifest.configDigest !== wanted.configDigest) return { use: false, reason: `kerncache ${path} was built from another kernel config; building normally` };
    if (manifest.toolchain !== wanted.toolchain) return { use: false, reason: `kerncache ${path} was built with '${manifest.toolchain}', this host has '${wanted.toolchain}'; building normally` };
  }
  return { use: true, manifest, members };
}

export interface RestoredKernel {
  /** Temp dir holding everything; remove it when done. */
  dir: string;
  kernelImage: string;
  systemMap: string;
  configPath: string;
  /** The module tree, ready to be swapped in whole; undefined when the cache has none. */
  moduleDir?: string;
}

/**
 * Unpacks a judged cache into a fresh temp dir under `parent` (the same filesystem as the live
 * module tree, so the caller can swap the tree in with one rename). Nothing outside that dir is
 * touched here: a failure removes it and the system is as it was.
 */
export async function unpackKerncache(verdict: Extract<KerncacheVerdict, { use: true }>, parent: string): Promise<RestoredKernel> {
  const n = names(verdict.manifest);
  await mkdir(parent, { recursive: true });
  const dir = await mkdtemp(join(parent, '.tsgk-kerncache-'));
  try {
    for (const m of verdict.members) {
      const rel = normalize(m.header.name).replace(/\/$/, '');
      // A member must stay inside the temp dir: no absolute names, no way up.
      if (rel.startsWith('/') || rel === '..' || rel.startsWith('../')) throw new GkError(`kerncache member '${m.header.name}' points outside the archive`, 'delete the kerncache; it was not written by tsgenkernel');
      const abs = join(dir, rel);
      if (m.header.type === 'directory') await mkdir(abs, { recursive: true });
      else if (m.header.type === 'symlink') {
        await mkdir(dirname(abs), { recursive: true });
        await symlink(m.header.linkname!, abs);
      } else if (m.header.type === 'file') {
        await mkdir(dirname(abs), { recursive: true });
        await writeFile(abs, m.data, { mode: m.header.mode ?? 0o644 });
      }
    }
    const moduleDir = join(dir, n.modules);
    const hasModules = await stat(moduleDir).then((s) => s.isDirectory(), () => false);
    return { dir, kernelImage: join(dir, n.kernel), systemMap: join(dir, n.systemMap), configPath: join(dir, n.config), moduleDir: hasModules ? moduleDir : undefined };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
