/**
 * Disks made on the host without loop devices or a guest: mke2fs -d, mkfs.vfat + mtools,
 * mkfs.btrfs --rootdir, mkswap. Each is made once per content into the fixture's scratch dir
 * (a key of what shapes it), so the boot tests only read them (QEMU's snapshot=on).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT_DISK_INIT, type BootFixture } from '../fixture.js';
import { makeGptDisk } from '../gpt-disk.js';

/** Files of a filesystem: path -> content (a string) or { init: host file } made executable. */
export type Tree = Record<string, string | { copyOf: string; mode?: number }>;

function writeTree(dir: string, tree: Tree): void {
  for (const [path, what] of Object.entries(tree)) {
    const dest = join(dir, path);
    mkdirSync(join(dest, '..'), { recursive: true });
    if (typeof what === 'string') {
      if (path.endsWith('/')) mkdirSync(dest, { recursive: true });
      else writeFileSync(dest, what);
    } else {
      copyFileSync(what.copyOf, dest);
      if (what.mode) chmodSync(dest, what.mode);
    }
  }
}

/** A root filesystem's files: busybox, the boot tests' root init as /sbin/init.real and `init` as /sbin/init. */
export function rootTree(init: string, extra: Tree = {}): Tree {
  const dirs = Object.fromEntries(['proc/', 'sys/', 'dev/', 'run/', 'tmp/', 'usr/'].map((d) => [d, '']));
  return {
    ...dirs,
    'bin/busybox': { copyOf: '/bin/busybox', mode: 0o755 },
    'sbin/init.real': { copyOf: ROOT_DISK_INIT, mode: 0o755 },
    'sbin/init': { copyOf: init, mode: 0o755 },
    ...extra,
  };
}

export type HostFs = 'ext4' | 'vfat' | 'btrfs' | 'swap';

export interface HostDiskSpec {
  fs: HostFs;
  tree?: Tree;
  label: string;
  /** ext4/btrfs/swap: a UUID; vfat: its 8 hex digit volume id. */
  uuid?: string;
  mb: number;
  /** Put the filesystem in partition 1 of a GPT disk with this PARTUUID. */
  partUuid?: string;
}

function makeFs(spec: HostDiskSpec, file: string, work: string): void {
  const dir = join(work, 'tree');
  mkdirSync(dir, { recursive: true });
  writeTree(dir, spec.tree ?? {});
  const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  switch (spec.fs) {
    case 'ext4':
      run('mke2fs', ['-q', '-F', '-t', 'ext4', '-d', dir, '-L', spec.label, ...(spec.uuid ? ['-U', spec.uuid] : []), file, `${spec.mb}M`]);
      break;
    case 'btrfs':
      writeFileSync(file, '');
      execFileSync('truncate', ['-s', `${spec.mb}M`, file]);
      run('mkfs.btrfs', ['-q', '-f', '--rootdir', dir, '-L', spec.label, ...(spec.uuid ? ['-U', spec.uuid] : []), file]);
      break;
    case 'vfat':
      run('mkfs.vfat', ['-C', '-n', spec.label, ...(spec.uuid ? ['-i', spec.uuid] : []), file, String(spec.mb * 1024)]);
      for (const top of Object.keys(spec.tree ?? {}).map((p) => p.split('/')[0]!).filter((t, i, a) => a.indexOf(t) === i)) {
        run('mcopy', ['-s', '-i', file, join(dir, top), '::/']);
      }
      break;
    case 'swap':
      writeFileSync(file, '');
      execFileSync('truncate', ['-s', `${spec.mb}M`, file]);
      run('mkswap', ['-L', spec.label, ...(spec.uuid ? ['-U', spec.uuid] : []), file]);
      break;
  }
}

/** The disk for `spec`, made once (cached by its spec and the files it holds). */
export function hostDisk(fx: BootFixture, name: string, spec: HostDiskSpec): string {
  const h = createHash('sha256').update(JSON.stringify(spec));
  for (const what of Object.values(spec.tree ?? {})) if (typeof what !== 'string') h.update(readFileSync(what.copyOf));
  const dir = join(fx.scratch, '..', 'host-disks');
  const disk = join(dir, `${name}-${h.digest('hex').slice(0, 12)}.img`);
  if (existsSync(disk)) return disk;
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(join(dir, `${name}.partial-`));
  try {
    const out = join(work, 'disk.img');
    if (spec.partUuid) {
      const fsFile = join(work, 'part.img');
      makeFs(spec, fsFile, work);
      makeGptDisk({
        file: out, contents: '', partUuid: spec.partUuid, partLabel: spec.label, fsMb: spec.mb,
        writePartition: (file, offset) => {
          const data = readFileSync(fsFile);
          writeFileSync(file, '');
          const fd = openSync(file, 'r+');
          try {
            writeSync(fd, data, 0, data.length, offset);
          } finally {
            closeSync(fd);
          }
        },
      });
    } else {
      makeFs(spec, out, work);
    }
    renameSync(out, disk);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return disk;
}

/** A writable copy of `disk` for one test run (hibernation writes its image into the swap). */
export function writableCopy(disk: string, dir: string, name: string): string {
  const copy = join(dir, `${name}.img`);
  cpSync(disk, copy);
  return copy;
}
