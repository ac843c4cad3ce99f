import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';

/**
 * genkernel's --b2sum as the issue asks it: a FILE.b2sum beside an installed file, in b2sum(1)'s
 * format ("HASH  NAME"), so `b2sum -c FILE.b2sum` in the boot dir verifies it. Written through a
 * temp name and renamed, like every boot-dir write.
 */
export async function writeB2sum(path: string): Promise<string> {
  const hash = createHash('blake2b512');
  await pipeline(createReadStream(path), hash);
  const sum = `${path}.b2sum`;
  const temp = `${sum}.tsgk-new`;
  await writeFile(temp, `${hash.digest('hex')}  ${basename(path)}\n`, { mode: 0o644 });
  await rename(temp, sum);
  return sum;
}
