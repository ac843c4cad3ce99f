import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { TarMember } from './tar-archive.js';

/**
 * The members for `dir` stored under the name `as` (e.g. lib/modules/KV): the parent
 * directories of `as` first, then the tree depth-first in byte order of names, so the same
 * tree always packs in the same order. Symlinks (a module tree's build/ and source/) stay links.
 */
export async function* treeMembers(dir: string, as: string): AsyncGenerator<TarMember> {
  const parts = as.split('/').filter(Boolean);
  for (let i = 1; i < parts.length; i++) yield { name: parts.slice(0, i).join('/'), type: 'directory', mode: 0o755 };
  yield* walk(dir, parts.join('/'));
}

async function* walk(abs: string, name: string): AsyncGenerator<TarMember> {
  const st = await lstat(abs);
  const mtime = Math.floor(st.mtimeMs / 1000);
  if (st.isSymbolicLink()) {
    yield { name, type: 'symlink', linkname: await readlink(abs), mtime };
  } else if (st.isDirectory()) {
    yield { name, type: 'directory', mode: st.mode & 0o7777, mtime };
    const names = (await readdir(abs)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const n of names) yield* walk(join(abs, n), `${name}/${n}`);
  } else if (st.isFile()) {
    yield { name, type: 'file', mode: st.mode & 0o7777, source: abs, size: st.size, mtime };
  }
  // Sockets, fifos and device nodes have no place in a kernel or module tree: left out.
}
