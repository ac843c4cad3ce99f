import { posix } from 'node:path';

/**
 * The image as a list of entries before it becomes a cpio archive. File contents are either a
 * path on the host (read when the archive is written, so memory stays flat even with thousands
 * of modules) or a small in-memory buffer (generated files). Device nodes are entries too: the
 * archive carries them, so the build needs neither root nor mknod.
 *
 * Adding an entry at a path that exists replaces it: later additions win, which is how the
 * --initramfs-overlay directory overrides everything else.
 */
export type ImageEntry =
  | { kind: 'file'; path: string; mode: number; source: string | Buffer }
  | { kind: 'dir'; path: string; mode: number }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'chardev' | 'blockdev'; path: string; mode: number; major: number; minor: number };

export class ImageTree {
  private readonly entries = new Map<string, ImageEntry>();

  /** Normalises to a relative path without a leading slash ("sbin/kmod"); rejects escapes. */
  static normalise(path: string): string {
    const norm = posix.normalize('/' + path).replace(/^\/+/, '');
    if (norm === '' || norm === '.') throw new Error(`internal: empty image path from '${path}'`);
    return norm;
  }

  private put(entry: ImageEntry): void {
    const parent = posix.dirname(entry.path);
    if (parent !== '.') this.ensureDir(parent);
    this.entries.set(entry.path, entry);
  }

  ensureDir(path: string, mode = 0o755): void {
    const p = ImageTree.normalise(path);
    const existing = this.entries.get(p);
    if (existing?.kind === 'dir') return;
    this.put({ kind: 'dir', path: p, mode });
  }

  addFile(path: string, source: string | Buffer, mode = 0o644): void {
    this.put({ kind: 'file', path: ImageTree.normalise(path), mode, source });
  }

  addSymlink(path: string, target: string): void {
    this.put({ kind: 'symlink', path: ImageTree.normalise(path), target });
  }

  addDevice(path: string, kind: 'chardev' | 'blockdev', major: number, minor: number, mode = 0o600): void {
    this.put({ kind, path: ImageTree.normalise(path), mode, major, minor });
  }

  has(path: string): boolean {
    return this.entries.has(ImageTree.normalise(path));
  }

  get(path: string): ImageEntry | undefined {
    return this.entries.get(ImageTree.normalise(path));
  }

  remove(path: string): void {
    this.entries.delete(ImageTree.normalise(path));
  }

  /** Entries in archive order: sorted by path bytes, so a directory precedes its contents. */
  sorted(): ImageEntry[] {
    return [...this.entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  get size(): number {
    return this.entries.size;
  }
}
