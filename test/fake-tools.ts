import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Runs `fn` with PATH set to `path`, restored afterwards (for stages that look tools up on PATH). */
export async function withPath<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const old = process.env.PATH;
  process.env.PATH = path;
  try {
    return await fn();
  } finally {
    process.env.PATH = old;
  }
}

/** A stand-in executable `name` in `dir` that records its arguments (and $KV) in `marker`. */
export async function fakeTool(dir: string, name: string, marker: string, line = '"$*"'): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, name), `#!/bin/sh\necho ${line} > ${marker}\n`);
  await chmod(join(dir, name), 0o755);
  return dir;
}
