import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { GkError } from '../errors.js';

/**
 * The host's modprobe configuration for the image, as genkernel ships it: MODPROBEDIR
 * (--modprobedir, default /etc/modprobe.d) becomes the image's /etc/modprobe.d, so module options,
 * blacklists, softdeps, install/remove commands and aliases apply at boot as on the running
 * system, whichever loader reads them (kmod's modprobe for the modalias coldplug, udev's kmod).
 *
 * Only this directory, as in genkernel: the distribution's /lib/modprobe.d is not read. With
 * --modprobedir a build can be for another root (genkernel users pair it with
 * --kernel-modules-prefix), and the build host's distribution files belong to the build host. kmod
 * no longer reads /etc/modprobe.conf, and genkernel 4 does not ship it either.
 *
 * Every directive line travels, not only those naming modules in the image: a line about a module
 * the image lacks does nothing, while modprobe.d matches names through aliases, wildcards and
 * dash/underscore spellings, so a filter could drop a line that applies. The text is a function of
 * the files alone (names sorted, lines in order), so the image stays reproducible.
 */
const DIRECTIVES = new Set(['options', 'blacklist', 'softdep', 'install', 'remove', 'alias']);

const DEFAULT_MODPROBEDIR = '/etc/modprobe.d';

/** Where kmod looks for the directory in the image. */
export const IMAGE_MODPROBE_DIR = 'etc/modprobe.d';

/** The directories whose configuration the build follows and ships: MODPROBEDIR, or none for ''. */
export async function modprobeSourceDirs(modprobeDir: string): Promise<string[]> {
  if (!modprobeDir) return [];
  const st = await stat(modprobeDir).catch(() => undefined);
  if (st?.isDirectory()) return [modprobeDir];
  // A system without the default directory is normal; a directory the user named must exist.
  if (!st && modprobeDir === DEFAULT_MODPROBEDIR) return [];
  throw new GkError(`MODPROBEDIR ${modprobeDir} is not a directory`, "pass an existing --modprobedir=DIR, or --modprobedir='' to ship no modprobe.d");
}

export async function hostModprobeFiles(dirs: readonly string[]): Promise<Array<{ name: string; text: string }>> {
  const out: Array<{ name: string; text: string }> = [];
  for (const dir of dirs) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.endsWith('.conf')).sort()) {
      const raw = await readFile(join(dir, name), 'utf8').catch(() => undefined);
      if (raw === undefined) continue;
      const kept = joinContinuations(raw)
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => DIRECTIVES.has(l.split(/\s+/)[0] ?? ''));
      if (kept.length) out.push({ name, text: kept.join('\n') + '\n' });
    }
  }
  return out;
}

/** modprobe.d(5) lets a line continue after a trailing backslash. */
function joinContinuations(text: string): string {
  return text.replace(/[ \t]*\\\n\s*/g, ' ');
}
