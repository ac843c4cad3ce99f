import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The host's modprobe configuration (genkernel's MODPROBEDIR, /etc/modprobe.d) for the image, as
 * genkernel ships it: module options, blacklists, softdeps, install/remove commands and aliases
 * then apply at boot exactly as on the running system, because the image's kmod reads
 * /etc/modprobe.d. Other lines (comments, unknown directives) are left out.
 */
const DIRECTIVES = new Set(['options', 'blacklist', 'softdep', 'install', 'remove', 'alias']);

export async function hostModprobeFiles(dir: string): Promise<Array<{ name: string; text: string }>> {
  if (!dir) return [];
  const names = await readdir(dir).catch(() => [] as string[]);
  const out: Array<{ name: string; text: string }> = [];
  for (const name of names.filter((n) => n.endsWith('.conf')).sort()) {
    const raw = await readFile(join(dir, name), 'utf8').catch(() => undefined);
    if (raw === undefined) continue;
    const kept = joinContinuations(raw)
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => DIRECTIVES.has(l.split(/\s+/)[0] ?? ''));
    if (kept.length) out.push({ name, text: kept.join('\n') + '\n' });
  }
  return out;
}

/** modprobe.d(5) lets a line continue after a trailing backslash. */
function joinContinuations(text: string): string {
  return text.replace(/[ \t]*\\\n\s*/g, ' ');
}
