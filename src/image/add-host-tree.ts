import { lstatSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { ImageTree } from './image-tree.js';

export interface AddTreeOptions {
  /**
   * Modes for trees we wrote ourselves (staged modules): fixed values instead of what the
   * builder's umask left on disk, so the same input gives the same image. Absent = keep the
   * host's modes (an --initramfs-overlay says what it wants).
   */
  fileMode?: number;
  dirMode?: number;
  /**
   * A symlink to a regular file is added as that file (its contents, read through the link):
   * for a staged tree of links to the kernel's modules. Absent = symlinks stay symlinks.
   */
  followFileLinks?: boolean;
}

/**
 * Adds everything under `hostDir` to the image below `imagePrefix`, keeping symlinks, and modes
 * unless told otherwise. Files are referenced, not read: the archive writer streams them later.
 * Synchronous calls: a walk is a few hundred lstat calls of microseconds each, and a trip through
 * the libuv pool per call cost more than the calls (measured on a busy 2-core machine).
 * Returns the file count.
 */
export async function addHostTree(image: ImageTree, hostDir: string, imagePrefix = '', opts: AddTreeOptions = {}): Promise<number> {
  let files = 0;
  const walk = async (dir: string, rel: string): Promise<void> => {
    const names = readdirSync(dir).sort();
    for (const name of names) {
      const host = join(dir, name);
      const inImage = posix.join(imagePrefix, rel, name);
      const st = lstatSync(host);
      if (st.isDirectory()) {
        image.ensureDir(inImage, opts.dirMode ?? st.mode & 0o7777);
        await walk(host, posix.join(rel, name));
      } else if (st.isSymbolicLink()) {
        if (opts.followFileLinks && statSync(host).isFile()) {
          image.addFile(inImage, host, opts.fileMode ?? 0o644);
          files++;
        } else {
          image.addSymlink(inImage, readlinkSync(host));
        }
      } else if (st.isFile()) {
        image.addFile(inImage, host, opts.fileMode ?? st.mode & 0o7777);
        files++;
      }
    }
  };
  await walk(hostDir, '');
  return files;
}
