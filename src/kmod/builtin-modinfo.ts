import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { normaliseModuleName } from './names.js';
import { GkError } from '../errors.js';
import { clip } from './index-file.js';

/** module -> key -> values in file order ("alias", "firmware", "parm", ... can repeat). */
export type BuiltinModinfo = Map<string, Map<string, string[]>>;

/**
 * Parses modules.builtin.modinfo: NUL-separated "module.key=value" records the kernel build
 * collects from builtin drivers. Errors count records from 1 ("entry N") since there are no lines.
 */
export function parseBuiltinModinfo(data: string | Buffer, file = 'modules.builtin.modinfo'): BuiltinModinfo {
  const text = typeof data === 'string' ? data : data.toString('utf8');
  const info: BuiltinModinfo = new Map();
  const records = text.split('\0');
  for (let i = 0; i < records.length; i++) {
    const rec = records[i]!;
    if (rec === '' || rec === '\n') continue;
    const dot = rec.indexOf('.');
    const eq = rec.indexOf('=', dot + 1);
    if (dot <= 0 || eq < 0 || eq === dot + 1) {
      throw new GkError(
        `${file}: entry ${i + 1}: record "${clip(rec)}" is not "module.key=value"`,
        'the file comes from the kernel build: reinstall the modules with `make modules_install` (or the kernel package)',
      );
    }
    const mod = normaliseModuleName(rec.slice(0, dot));
    const key = rec.slice(dot + 1, eq);
    const value = rec.slice(eq + 1);
    let keys = info.get(mod);
    if (!keys) info.set(mod, (keys = new Map()));
    const values = keys.get(key);
    if (values) values.push(value);
    else keys.set(key, [value]);
  }
  return info;
}

export async function loadBuiltinModinfo(moduleDir: string): Promise<BuiltinModinfo> {
  const file = join(moduleDir, 'modules.builtin.modinfo');
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch {
    return new Map(); // Kernels before 5.2 do not write it.
  }
  return parseBuiltinModinfo(data, file);
}

/** Values of one key across all builtin modules, e.g. every builtin driver's firmware= files. */
export function builtinValues(info: BuiltinModinfo, key: string): Array<{ module: string; value: string }> {
  const out: Array<{ module: string; value: string }> = [];
  for (const [module, keys] of info) for (const value of keys.get(key) ?? []) out.push({ module, value });
  return out;
}
