import { GkError } from '../errors.js';

/**
 * System errors that reach the top without a stage having explained them are still the user's
 * to fix, not bugs: a disk that filled up, a directory this user may not write. They become a
 * GkError naming the path; anything else stays an internal error with its stack.
 */
export function userErrorFromErrno(err: unknown): GkError | undefined {
  const e = err as NodeJS.ErrnoException | undefined;
  if (!e || typeof e !== 'object' || typeof e.code !== 'string') return undefined;
  const where = e.path ? ` (${e.path})` : '';
  switch (e.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new GkError(
        `no space left on the device being written${where}; nothing was installed`,
        'free space there, or point --tmpdir=DIR (build files) or --bootdir=DIR at a filesystem with room',
      );
    case 'EACCES':
    case 'EPERM':
      return new GkError(`permission denied${where}`, 'run tsgenkernel as root, or pass --tmpdir/--bootdir you can write');
    case 'EROFS':
      return new GkError(`read-only filesystem${where}`, 'remount it read-write (mount -o remount,rw), or pass another directory');
    default:
      return undefined;
  }
}
