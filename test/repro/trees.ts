/**
 * Inputs that hold the same bytes but differ in everything a build should not depend on:
 * creation order (hence directory entry order: tmpfs lists newest first), mtimes, the path they
 * live under.
 */
import { copyFileSync, mkdirSync, opendirSync, readdirSync, lstatSync, readlinkSync, symlinkSync, utimesSync, writeFileSync, chmodSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Order = 'forward' | 'reverse';

/** A scratch dir on tmpfs when there is one: there readdir order follows creation order. */
export function scratchDir(prefix: string): string {
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  return mkdtempSync(join(base, prefix));
}

/**
 * Names in `dir` in the order the file system returns them. fs.readdir cannot tell: libuv's
 * scandir sorts; fs.opendir reads entries as they come, as C tools (depmod, find) see them.
 */
export function readdirOrder(dir: string): string[] {
  const d = opendirSync(dir);
  const names: string[] = [];
  for (let e = d.readSync(); e !== null; e = d.readSync()) names.push(e.name);
  d.closeSync();
  return names;
}

/**
 * Copies src to dst entry by entry, visiting each directory's entries in name order or its
 * reverse, and stamps every copied file and directory with `mtime` (seconds) afterwards.
 */
export function copyTreeInOrder(src: string, dst: string, order: Order, mtime: number): void {
  const dirs: string[] = [];
  const walk = (from: string, to: string) => {
    mkdirSync(to, { recursive: true });
    dirs.push(to);
    const names = readdirSync(from).sort();
    if (order === 'reverse') names.reverse();
    for (const name of names) {
      const s = join(from, name);
      const d = join(to, name);
      const st = lstatSync(s);
      if (st.isDirectory()) walk(s, d);
      else if (st.isSymbolicLink()) symlinkSync(readlinkSync(s), d);
      else {
        copyFileSync(s, d);
        utimesSync(d, mtime, mtime);
      }
    }
  };
  walk(src, dst);
  // Deepest first, so stamping a child does not bump its parent afterwards.
  for (const d of dirs.reverse()) utimesSync(d, mtime, mtime);
}

/** One overlay file: path inside the image, content, mode. */
export interface OverlayFile {
  path: string;
  content: string;
  mode: number;
}

export const OVERLAY: readonly OverlayFile[] = [
  { path: 'etc/repro/a.conf', content: 'a=1\n', mode: 0o644 },
  { path: 'etc/repro/b.conf', content: 'b=2\n', mode: 0o600 },
  { path: 'etc/repro/z.conf', content: 'z=26\n', mode: 0o644 },
  { path: 'usr/share/repro/deep/tree/file', content: 'deep\n', mode: 0o644 },
  { path: 'usr/local/bin/repro-hello', content: '#!/bin/sh\necho hello\n', mode: 0o755 },
];

/** Writes OVERLAY under dir in the given order, every entry stamped with mtime. */
export function writeOverlay(dir: string, order: Order, mtime: number): void {
  const files = [...OVERLAY].sort((a, b) => a.path.localeCompare(b.path));
  if (order === 'reverse') files.reverse();
  const dirs = new Set<string>();
  for (const f of files) {
    const target = join(dir, f.path);
    const parent = target.slice(0, target.lastIndexOf('/'));
    mkdirSync(parent, { recursive: true });
    for (let p = parent; p.length > dir.length; p = p.slice(0, p.lastIndexOf('/'))) dirs.add(p);
    writeFileSync(target, f.content);
    chmodSync(target, f.mode);
    utimesSync(target, mtime, mtime);
  }
  const link = join(dir, 'etc/repro/current.conf');
  symlinkSync('a.conf', link);
  for (const d of [...dirs].sort().reverse()) utimesSync(d, mtime, mtime);
  utimesSync(dir, mtime, mtime);
}
