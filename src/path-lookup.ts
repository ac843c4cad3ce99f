import { access, constants, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { GkError } from './errors.js';

/** Where features look for the host tools they copy; tests pass a temp dir of stand-ins instead. */
export const DEFAULT_TOOL_PATH = ['/sbin', '/usr/sbin', '/bin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'];

/** First executable regular file called `name` in `searchPath`, or undefined. */
export async function findHostTool(name: string, searchPath: readonly string[] = DEFAULT_TOOL_PATH): Promise<string | undefined> {
  for (const dir of searchPath) {
    const p = join(dir, name);
    const st = await stat(p).catch(() => undefined);
    if (!st?.isFile()) continue;
    if (await access(p, constants.X_OK).then(() => true, () => false)) return p;
  }
  return undefined;
}

/** Like findHostTool, but a missing tool is the user's problem: a GkError saying which option needs it. */
export async function requireHostTool(name: string, neededFor: string, pkgHint: string, searchPath?: readonly string[]): Promise<string> {
  const found = await findHostTool(name, searchPath);
  if (!found) {
    throw new GkError(
      `${neededFor} needs ${name}, which is not in ${(searchPath ?? DEFAULT_TOOL_PATH).join(':')}`,
      `${pkgHint}, or drop ${neededFor}`,
    );
  }
  return found;
}
