import { readFile } from 'node:fs/promises';
import { decompress } from '../decompress.js';
import { GkError } from '../errors.js';

/**
 * A kernel .config: `CONFIG_X=value` lines and `# CONFIG_X is not set` comments. Values keep
 * their quotes stripped; an unset option reads as undefined.
 */
export class KernelConfig {
  constructor(private readonly values: ReadonlyMap<string, string>) {}

  static parse(text: string): KernelConfig {
    const values = new Map<string, string>();
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      const m = /^(CONFIG_[A-Za-z0-9_]+)=(.*)$/.exec(line);
      if (m) {
        let v = m[2] ?? '';
        if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1).replace(/\\(["\\])/g, '$1');
        values.set(m[1]!, v);
        continue;
      }
      const unset = /^# (CONFIG_[A-Za-z0-9_]+) is not set$/.exec(line);
      if (unset) values.delete(unset[1]!);
    }
    return new KernelConfig(values);
  }

  /** Reads a .config, or a gzip-compressed one such as /proc/config.gz. */
  static async load(path: string): Promise<KernelConfig> {
    return KernelConfig.parse(await readConfigText(path));
  }

  get(name: string): string | undefined {
    return this.values.get(name.startsWith('CONFIG_') ? name : `CONFIG_${name}`);
  }

  /** y or m. */
  enabled(name: string): boolean {
    const v = this.get(name);
    return v === 'y' || v === 'm';
  }

  builtin(name: string): boolean {
    return this.get(name) === 'y';
  }

  entries(): IterableIterator<[string, string]> {
    return this.values.entries();
  }
}

/** A config file's text, gunzipped when it is /proc/config.gz-style; refuses files without CONFIG_ lines. */
export async function readConfigText(path: string): Promise<string> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch {
    throw new GkError(`kernel config ${path} cannot be read`, 'pass a readable file with --kernel-config=FILE');
  }
  const gzipped = data[0] === 0x1f && data[1] === 0x8b;
  const text = gzipped
    ? (
        await decompress('gzip', data).catch((err: Error) => {
          throw new GkError(`kernel config ${path} is not valid gzip data (${err.message})`, 'pass an intact config with --kernel-config=FILE');
        })
      ).toString()
    : data.toString();
  if (!/^CONFIG_|^# CONFIG_/m.test(text)) {
    throw new GkError(`${path} is not a kernel config (no CONFIG_ lines)`, 'pass a kernel .config with --kernel-config=FILE');
  }
  return text;
}
