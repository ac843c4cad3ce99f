import { lstat, readlink, realpath, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { readElf, NotElfError, type ElfInfo } from './elf-reader.js';
import { DEFAULT_SYSTEM_DIRS_X86_64, ldSoConfDirs, type LibrarySearchOptions } from './search-paths.js';

/**
 * The shared-library closure of an ELF binary, found the way glibc's loader finds it
 * (ld.so(8)): for each DT_NEEDED name, DT_RPATH of the object and of the objects that loaded
 * it (only when the object has no DT_RUNPATH), then the object's DT_RUNPATH, then the
 * ld.so.conf directories, then the system directories. A name already resolved is reused,
 * as the loader matches loaded objects by name. Candidates of another ELF class or machine
 * are skipped, as the loader skips them. ldd is never run: it executes the binary.
 *
 * Every object also has an image path. A library found in a run path containing $ORIGIN
 * lands relative to where its user lands in the image, so the run path still works there.
 */
export interface ResolvedObject {
  /** The DT_NEEDED name (or the PT_INTERP path) that led here. */
  name: string;
  /** Path the loader would open on the host (not symlink-resolved). */
  hostPath: string;
  /** Where it goes in the image, absolute. */
  imagePath: string;
  /** Which object asked for it (host path). */
  requiredBy: string;
  /**
   * Found only through ld.so.conf: the image has no ld.so.cache, so the image needs a link in
   * a system directory for the loader to find it.
   */
  viaLdSoConf: boolean;
}

export interface Closure {
  /** The binary's PT_INTERP loader, when dynamic. */
  interp?: ResolvedObject;
  libraries: ResolvedObject[];
  missing: Array<{ name: string; requiredBy: string }>;
  /** False for a static binary: nothing but the binary itself goes in. */
  dynamic: boolean;
}

interface SearchDir {
  host: string;
  image: string;
  viaLdSoConf?: boolean;
}

interface Loaded {
  info: ElfInfo;
  hostPath: string;
  imagePath: string;
  /** RPATH chain inherited from the loaders (already expanded), searched after the object's own. */
  inheritedRpath: SearchDir[];
}

/** $ORIGIN / ${ORIGIN} (the object's directory), $LIB and $PLATFORM, as the loader expands them. */
export function expandRunPath(entry: string, origin: string, info: Pick<ElfInfo, 'bits' | 'machine'>): string {
  const lib = info.bits === 64 ? 'lib64' : 'lib';
  const platform = info.machine === 62 ? 'x86_64' : info.machine === 3 ? 'i686' : info.machine === 183 ? 'aarch64' : '';
  return entry
    .replace(/\$\{ORIGIN\}|\$ORIGIN(?![A-Za-z0-9_])/g, origin)
    .replace(/\$\{LIB\}|\$LIB(?![A-Za-z0-9_])/g, lib)
    .replace(/\$\{PLATFORM\}|\$PLATFORM(?![A-Za-z0-9_])/g, platform);
}

function runPathDirs(entries: string[], obj: { hostPath: string; imagePath: string; info: ElfInfo }, hostOrigin: string): SearchDir[] {
  return entries.map((e) => ({
    host: posix.normalize(expandRunPath(e, hostOrigin, obj.info)),
    image: posix.normalize(expandRunPath(e, posix.dirname(obj.imagePath), obj.info)),
  }));
}

async function compatible(path: string, want: ElfInfo): Promise<ElfInfo | undefined> {
  const st = await stat(path).catch(() => undefined);
  if (!st?.isFile()) return undefined;
  try {
    const info = await readElf(path);
    return info.bits === want.bits && info.machine === want.machine ? info : undefined;
  } catch (err) {
    if (err instanceof NotElfError) return undefined;
    throw err;
  }
}

export interface ClosureOptions extends LibrarySearchOptions {
  /** Where the binary goes in the image (for $ORIGIN); default: its host path. */
  imagePath?: string;
}

export async function sharedLibraryClosure(binary: string, opts: ClosureOptions = {}): Promise<Closure> {
  const root = await readElf(binary);
  const closure: Closure = { libraries: [], missing: [], dynamic: root.dynamic };
  if (!root.dynamic) return closure;
  const systemDirs: SearchDir[] = (opts.systemDirs ?? DEFAULT_SYSTEM_DIRS_X86_64).map((d) => ({ host: d, image: d }));
  const confDirs: SearchDir[] = (await ldSoConfDirs(opts.ldSoConf)).map((d) => ({ host: d, image: d, viaLdSoConf: true }));
  if (root.interp) {
    closure.interp = { name: root.interp, hostPath: root.interp, imagePath: root.interp, requiredBy: binary, viaLdSoConf: false };
  }
  const byName = new Map<string, ResolvedObject>();
  // The loader takes $ORIGIN of the main program from /proc/self/exe, i.e. symlinks resolved.
  const rootLoaded: Loaded = { info: root, hostPath: binary, imagePath: opts.imagePath ?? binary, inheritedRpath: [] };
  const queue: Array<{ obj: Loaded; hostOrigin: string }> = [{ obj: rootLoaded, hostOrigin: posix.dirname(await realpath(binary)) }];
  while (queue.length > 0) {
    const { obj, hostOrigin } = queue.shift()!;
    const hasRunpath = obj.info.runpath.length > 0;
    const rpath = hasRunpath ? [] : [...runPathDirs(obj.info.rpath, obj, hostOrigin), ...obj.inheritedRpath];
    const runpath = runPathDirs(obj.info.runpath, obj, hostOrigin);
    // RPATH passes down to what this object loads, unless this object uses RUNPATH.
    const passDown = hasRunpath ? obj.inheritedRpath : rpath;
    for (const name of obj.info.needed) {
      if (byName.has(name)) continue;
      let found: { dir: SearchDir; info: ElfInfo } | undefined;
      if (name.includes('/')) {
        const info = await compatible(name, root);
        if (info) found = { dir: { host: posix.dirname(name), image: posix.dirname(name) }, info };
      } else {
        for (const dir of [...rpath, ...runpath, ...confDirs, ...systemDirs]) {
          const info = await compatible(posix.join(dir.host, name), root);
          if (info) {
            // A conf dir that is also a system dir needs no extra link.
            const sys = dir.viaLdSoConf && systemDirs.some((s) => s.host === dir.host);
            found = { dir: sys ? { host: dir.host, image: dir.image } : dir, info };
            break;
          }
        }
      }
      if (!found) {
        closure.missing.push({ name, requiredBy: obj.hostPath });
        continue;
      }
      const base = name.includes('/') ? posix.basename(name) : name;
      const resolved: ResolvedObject = {
        name,
        hostPath: posix.join(found.dir.host, base),
        imagePath: posix.join(found.dir.image, base),
        requiredBy: obj.hostPath,
        viaLdSoConf: found.dir.viaLdSoConf === true,
      };
      byName.set(name, resolved);
      if (found.info.soname && found.info.soname !== name) byName.set(found.info.soname, resolved);
      closure.libraries.push(resolved);
      queue.push({
        obj: { info: found.info, hostPath: resolved.hostPath, imagePath: resolved.imagePath, inheritedRpath: passDown },
        hostOrigin: posix.dirname(resolved.hostPath),
      });
    }
  }
  return closure;
}

/** One step of copying a host path into the image: a symlink kept as a symlink, or the file. */
export type CopyStep =
  | { kind: 'symlink'; imagePath: string; target: string }
  | { kind: 'file'; imagePath: string; hostPath: string; mode: number };

/**
 * How to reproduce host path `hostPath` at `imagePath`: its chain of symlinks
 * (libfoo.so.1 -> libfoo.so.1.2.3) kept as links, ending in the regular file. A link is kept
 * only when following it by name inside the image lands on the same file the host resolves
 * to (a host whose /lib64 is itself a link to usr/lib64 can break that); otherwise the file's
 * content goes in its place.
 */
export async function copySteps(hostPath: string, imagePath: string): Promise<CopyStep[]> {
  const steps: CopyStep[] = [];
  let host = hostPath;
  let image = imagePath;
  for (let hops = 0; hops < 40; hops++) {
    const st = await lstat(host);
    if (!st.isSymbolicLink()) {
      steps.push({ kind: 'file', imagePath: image, hostPath: host, mode: st.mode & 0o7777 });
      return steps;
    }
    const target = await readlink(host);
    const nextHost = posix.resolve(posix.dirname(host), target);
    const nextImage = posix.isAbsolute(target) ? target : posix.resolve(posix.dirname(image), target);
    const [realHere, realNext] = await Promise.all([realpath(host), realpath(nextHost).catch(() => '')]);
    if (realHere !== realNext) {
      const real = await stat(realHere);
      steps.push({ kind: 'file', imagePath: image, hostPath: realHere, mode: real.mode & 0o7777 });
      return steps;
    }
    steps.push({ kind: 'symlink', imagePath: image, target });
    host = nextHost;
    image = nextImage;
  }
  throw new Error(`${hostPath}: more than 40 levels of symbolic links`);
}
