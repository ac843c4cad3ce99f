import { access, constants, realpath, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import type { ImageTree } from '../image/image-tree.js';
import { GkError } from '../errors.js';
import { copySteps, sharedLibraryClosure, type ClosureOptions, type CopyStep } from './closure.js';
import { DEFAULT_SYSTEM_DIRS_X86_64 } from './search-paths.js';

export interface AddHostBinaryOptions extends Omit<ClosureOptions, 'imagePath'> {
  /**
   * Libraries the binary opens with dlopen() (no DT_NEEDED names them), by file name, searched
   * like DT_NEEDED names. glibc itself dlopens libgcc_s.so.1 when a thread is cancelled.
   */
  dlopened?: string[];
}

/** What went into the image for one binary, for the build log and tests. */
export interface AddedBinary {
  imagePath: string;
  /** Image paths of every library and loader added (links included), sorted. */
  libraries: string[];
  static: boolean;
}

/** "sbin/x" and "/sbin/x" alike, as absolute image paths. */
const absImagePath = (p: string) => posix.normalize('/' + p);

function apply(image: ImageTree, steps: CopyStep[]): string[] {
  for (const s of steps) {
    if (s.kind === 'symlink') image.addSymlink(s.imagePath, s.target);
    else image.addFile(s.imagePath, s.hostPath, s.mode);
  }
  return steps.map((s) => s.imagePath);
}

/**
 * Adds host binary `hostPath` at `imagePath` (content taken from the resolved file, so a
 * /sbin -> usr/sbin host link does not matter) together with its loader and its
 * shared-library closure, keeping library symlinks. Throws GkError naming the first library
 * that cannot be found.
 */
export async function addHostBinary(
  image: ImageTree,
  hostPath: string,
  imagePath: string,
  opts: AddHostBinaryOptions = {},
): Promise<AddedBinary> {
  await access(hostPath, constants.X_OK).catch(() => {
    throw new GkError(`${hostPath} is not an executable file on this host`, 'install the package that provides it, or drop the option that needs it');
  });
  const real = await realpath(hostPath);
  const closure = await sharedLibraryClosure(real, { ...opts, imagePath: posix.resolve('/', imagePath) });
  if (closure.missing.length > 0) {
    const m = closure.missing[0]!;
    throw new GkError(
      `${hostPath} needs ${m.name} (asked for by ${m.requiredBy}), which the loader's search path does not have`,
      'install the library, or fix its directory in /etc/ld.so.conf',
    );
  }
  image.addFile(imagePath, real, (await stat(real)).mode & 0o7777);
  const libraries: string[] = [];
  const systemDir = (opts.systemDirs ?? DEFAULT_SYSTEM_DIRS_X86_64)[0]!;
  const objects = [...(closure.interp ? [closure.interp] : []), ...closure.libraries];
  for (const obj of objects) {
    libraries.push(...apply(image, await copySteps(obj.hostPath, obj.imagePath)));
    // No ld.so.cache in the image: a library only ld.so.conf pointed to gets a link in a system directory.
    if (obj.viaLdSoConf) {
      const link = posix.join(systemDir, posix.basename(obj.imagePath));
      image.addSymlink(link, obj.imagePath);
      libraries.push(link);
    }
  }
  for (const name of opts.dlopened ?? []) libraries.push(...(await addHostLibrary(image, name, opts)));
  return { imagePath: absImagePath(imagePath), libraries: [...new Set(libraries.map(absImagePath))].sort(), static: !closure.dynamic };
}

/**
 * Adds a library that is loaded with dlopen (so no DT_NEEDED names it) and its own closure,
 * found in the ld.so.conf and system directories. Returns the image paths added; a library
 * the host does not have is an error, since the caller said the binary needs it.
 */
export async function addHostLibrary(image: ImageTree, name: string, opts: LibraryOnlyOptions = {}): Promise<string[]> {
  const dirs = [...(opts.systemDirs ?? DEFAULT_SYSTEM_DIRS_X86_64)];
  for (const dir of dirs) {
    const host = posix.join(dir, name);
    const st = await stat(host).catch(() => undefined);
    if (!st?.isFile()) continue;
    const added = apply(image, await copySteps(host, host));
    const closure = await sharedLibraryClosure(await realpath(host), { ...opts, imagePath: host });
    for (const lib of closure.libraries) added.push(...apply(image, await copySteps(lib.hostPath, lib.imagePath)));
    return added;
  }
  throw new GkError(`library ${name} is not in ${dirs.join(', ')}`, 'install the package that provides it');
}

type LibraryOnlyOptions = Omit<ClosureOptions, 'imagePath'>;
