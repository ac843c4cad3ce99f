import { GkError } from '../errors.js';
import { run } from '../exec.js';
import { clip } from './index-file.js';

/** What the host's kmod (depmod, modprobe) is and which optional libraries it was built with. */
export interface HostKmod {
  /** "30", "34.2" read as a number (30, 34.2). */
  version: number;
  /** Features built in, upper case without the '+': ZSTD, XZ, ZLIB, LIBCRYPTO, ... */
  features: Set<string>;
  /** The feature line as kmod printed it ("+ZSTD +XZ -ZLIB +LIBCRYPTO -EXPERIMENTAL"), for messages. */
  featureLine: string;
}

/** Parses `kmod --version`: "kmod version 30" then a line of +FEATURE / -FEATURE words. */
export function parseKmodVersion(text: string): HostKmod {
  const m = /^kmod version (\d+(?:\.\d+)?)/m.exec(text);
  if (!m) throw new GkError(`cannot read the kmod version from "${clip(text.trim())}"`, 'check that `kmod --version` runs and prints "kmod version N"');
  const featureLine = text.split('\n').find((l) => /^\s*[+-][A-Z]/.test(l))?.trim() ?? '';
  const features = new Set<string>();
  for (const word of featureLine.split(/\s+/)) {
    if (word.startsWith('+') && word.length > 1) features.add(word.slice(1).toUpperCase());
  }
  return { version: Number(m[1]), features, featureLine };
}

/** The host kmod, or undefined when there is none (or it is too broken to say its version). */
export async function detectHostKmod(kmod = 'kmod'): Promise<HostKmod | undefined> {
  try {
    const res = await run(kmod, ['--version'], { allowFailure: true });
    if (res.exitCode !== 0) return undefined;
    return parseKmodVersion(res.stdout || res.all);
  } catch (err) {
    if (err instanceof GkError) return undefined;
    throw err;
  }
}
