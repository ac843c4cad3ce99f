import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { GkError } from '../errors.js';
import type { Distfile } from './types.js';

/**
 * gkbuilds/distfiles.manifest: one tarball per line, blank-separated fields
 * `recipe version debian-source file sha256 upstream-url...`; `#` starts a comment line.
 * The same file drives scripts/fetch-distfiles, so the format stays plain enough for `read`.
 */
export function parseManifest(text: string, source = 'distfiles.manifest'): Map<string, Distfile> {
  const entries = new Map<string, Distfile>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const [recipe, version, debianSource, file, sha256, ...upstreamUrls] = line.split(/\s+/);
    if (!recipe || !version || !debianSource || !file || !sha256 || !/^[0-9a-f]{64}$/.test(sha256)) {
      throw new Error(`internal: ${source}:${i + 1}: expected "recipe version debian-source file sha256 url..."`);
    }
    entries.set(recipe, { recipe, version, debianSource, file, sha256, upstreamUrls });
  });
  return entries;
}

export function loadManifest(path: string): Map<string, Distfile> {
  return parseManifest(readFileSync(path, 'utf8'), path);
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * The tarball's path in DISTDIR, after checking it is there and is the one the manifest names.
 * Called only when a build actually runs: a cache hit trusts the manifest's sha256 as the key.
 */
export async function verifiedDistfile(distdir: string, d: Distfile, fetchScript: string): Promise<string> {
  const path = join(distdir, d.file);
  const howToGet = `run ${fetchScript} ${distdir} (it tries upstream, then Debian's source archive through apt)`;
  if (!existsSync(path)) {
    throw new GkError(`source tarball ${d.file} (${d.recipe} ${d.version}) is not in ${distdir}`, howToGet);
  }
  const actual = await sha256File(path);
  if (actual !== d.sha256) {
    throw new GkError(
      `source tarball ${path} has sha256 ${actual}, but the manifest expects ${d.sha256}`,
      `delete it and ${howToGet}`,
    );
  }
  return path;
}
