/**
 * The inputs every boot scenario shares, built once and cached between runs (keyed by
 * kernel version): Debian's kernel, its module tree recompressed to .ko.zst with fresh
 * depmod indexes, a kernel config that says so, and a small ext4 root disk whose
 * /sbin/init prints a sentinel and powers off.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync, renameSync, cpSync, readdirSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_KERNEL_IMAGE, TEST_KV } from '../debian-kernel.js';

export const KV = TEST_KV;
export const KERNEL = TEST_KERNEL_IMAGE;
export const ROOT_UUID = '0b7e8f3c-2d1a-4c55-9e51-6a7b8c9d0e1f';
export const ROOT_LABEL = 'tsgkroot';
/** Printed by the root disk's /sbin/init: the proof that the real root was reached. */
export const SENTINEL = 'TSGK-ROOT-REACHED';

const HERE = dirname(fileURLToPath(import.meta.url));
/** The repository root (this file is test/boot/fixture.ts, or dist/test/boot/fixture.js). */
export const REPO = HERE.includes('/dist/') ? join(HERE, '..', '..', '..') : join(HERE, '..', '..');
export const ROOT_DISK_INIT = join(REPO, 'test', 'boot', 'root-disk', 'init');
export const DECOY_DISK_INIT = join(REPO, 'test', 'boot', 'root-disk', 'decoy-init');
/** The decoy's identity: root-like, but never the one a test asks for. */
export const DECOY_UUID = 'd3c0d3c0-0000-4000-8000-00000000dec0';
export const DECOY_LABEL = 'tsgkdecoy';

export interface BootFixture {
  kv: string;
  kernel: string;
  /** Prefix with lib/modules/KV holding every module as .ko.zst plus depmod's indexes. */
  zstdModulesPrefix: string;
  /** /boot/config-KV saying CONFIG_MODULE_COMPRESS_ZSTD=y. */
  zstdConfig: string;
  rootDisk: string;
  /** A root-like ext4 whose init prints TSGK-DECOY-REACHED: attached first by one-root boots. */
  decoyDisk: string;
  /** Where scenarios put their own scratch files (tmpdir, bootdirs, logs). */
  scratch: string;
}

function sh(cmd: string, args: string[], cwd?: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
}

/** Copy the distribution's tree, compress each .ko in place with the zstd CLI, run depmod. */
function buildZstdTree(prefix: string): void {
  const src = `/lib/modules/${KV}`;
  const dst = join(prefix, 'lib', 'modules', KV);
  mkdirSync(dst, { recursive: true });
  cpSync(join(src, 'kernel'), join(dst, 'kernel'), { recursive: true });
  for (const f of ['modules.order', 'modules.builtin', 'modules.builtin.modinfo']) {
    if (existsSync(join(src, f))) cpSync(join(src, f), join(dst, f));
  }
  // One zstd process per few hundred files, two at a time: 4000 spawns would dominate.
  sh('sh', ['-c', `find "${dst}" -name '*.ko' -print0 | xargs -0 -n 400 -P 2 zstd -q --rm -3`]);
  sh('depmod', ['-b', prefix, KV]);
}

function buildZstdConfig(file: string): void {
  const text = readFileSync(`/boot/config-${KV}`, 'utf8')
    .replace(/^CONFIG_MODULE_COMPRESS_NONE=y$/m, '# CONFIG_MODULE_COMPRESS_NONE is not set')
    .replace(/^# CONFIG_MODULE_COMPRESS_ZSTD is not set$/m, 'CONFIG_MODULE_COMPRESS_ZSTD=y');
  writeFileSync(file, text);
}

/** ext4 root: the host's static busybox and the given init, nothing else. */
function buildRootDisk(img: string, work: string, init: string, label: string, uuid: string): void {
  const dir = join(work, 'rootdir');
  for (const d of ['bin', 'sbin', 'proc', 'sys', 'dev', 'run', 'tmp']) mkdirSync(join(dir, d), { recursive: true });
  cpSync('/bin/busybox', join(dir, 'bin', 'busybox'));
  cpSync(init, join(dir, 'sbin', 'init'));
  chmodSync(join(dir, 'sbin', 'init'), 0o755);
  sh('mke2fs', ['-q', '-F', '-t', 'ext4', '-d', dir, '-L', label, '-U', uuid, img, '32M']);
  rmSync(dir, { recursive: true, force: true });
}

/** A disk image made once per content of its init script (rebuilt when the script changes). */
function cachedRootDisk(dir: string, name: string, init: string, label: string, uuid: string): string {
  const disk = join(dir, `${name}.img`);
  const initScript = readFileSync(init, 'utf8');
  const stamp = join(dir, `${name}.img.init`);
  const current = () => existsSync(disk) && existsSync(stamp) && readFileSync(stamp, 'utf8') === initScript;
  buildOnce(join(dir, `${name}.lock`), current, () => {
    const work = join(dir, `${name}.partial-${process.pid}`);
    mkdirSync(work, { recursive: true });
    buildRootDisk(join(work, 'disk.img'), work, init, label, uuid);
    renameSync(join(work, 'disk.img'), disk);
    rmSync(work, { recursive: true, force: true });
    writeFileSync(stamp, initScript);
  });
  return disk;
}

const sleepMs = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * One try at a build lock (a directory holding its owner's pid): true when taken. A lock whose
 * owner died is removed, so the next try can take it.
 */
function tryLock(lock: string): boolean {
  try {
    mkdirSync(lock);
  } catch {
    let owner = 0;
    try {
      owner = Number(readFileSync(join(lock, 'pid'), 'utf8'));
    } catch {
      /* being created right now */
    }
    let alive = true;
    if (owner > 0) {
      try {
        process.kill(owner, 0);
      } catch {
        alive = false;
      }
    }
    if (!alive) rmSync(lock, { recursive: true, force: true });
    return false;
  }
  writeFileSync(join(lock, 'pid'), String(process.pid));
  return true;
}

const LOCK_WAIT_MS = 30 * 60_000;

/**
 * Test files run in parallel workers: the first one to take the lock builds, the others wait
 * for done() to become true. A lock whose owner died is taken over.
 */
export function buildOnce(lock: string, done: () => boolean, build: () => void): void {
  const deadline = Date.now() + LOCK_WAIT_MS;
  while (!done()) {
    if (!tryLock(lock)) {
      if (Date.now() > deadline) throw new Error(`gave up waiting for ${lock}`);
      sleepMs(1000);
      continue;
    }
    try {
      if (!done()) build();
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

/** buildOnce for a build that awaits (a QEMU run); the waiting does not block the event loop. */
export async function buildOnceAsync(lock: string, done: () => boolean, build: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  while (!done()) {
    if (!tryLock(lock)) {
      if (Date.now() > deadline) throw new Error(`gave up waiting for ${lock}`);
      await new Promise((r) => setTimeout(r, 1000));
      continue;
    }
    try {
      if (!done()) await build();
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

let memo: BootFixture | undefined;

/**
 * Build (or reuse) the fixture. The module tree takes a minute the first time; the root disk
 * is rebuilt whenever the root-disk init script changed since the cached image was made.
 */
export function bootFixture(): BootFixture {
  if (memo) return memo;
  for (const need of [KERNEL, `/lib/modules/${KV}`, `/boot/config-${KV}`, '/bin/busybox']) {
    if (!existsSync(need)) throw new Error(`boot fixture needs ${need} (packages linux-image-amd64, busybox-static)`);
  }
  const base = process.env.TSGK_BOOT_CACHE ?? join(tmpdir(), 'tsgenkernel-boot-fixture');
  const dir = join(base, KV);
  const prefix = join(dir, 'zstd-modules');
  mkdirSync(dir, { recursive: true });
  buildOnce(
    join(dir, 'modules.lock'),
    () => existsSync(join(dir, 'modules.complete')),
    () => {
      const work = join(base, `${KV}.partial-${process.pid}`);
      rmSync(work, { recursive: true, force: true });
      buildZstdTree(join(work, 'zstd-modules'));
      rmSync(prefix, { recursive: true, force: true });
      renameSync(join(work, 'zstd-modules'), prefix);
      rmSync(work, { recursive: true, force: true });
      writeFileSync(join(dir, 'modules.complete'), `${new Date().toISOString()}\n`);
    },
  );
  const zstdConfig = join(dir, `config-${KV}-zstd`);
  buildOnce(join(dir, 'config.lock'), () => existsSync(zstdConfig), () => {
    buildZstdConfig(`${zstdConfig}.${process.pid}`);
    renameSync(`${zstdConfig}.${process.pid}`, zstdConfig);
  });
  const rootDisk = cachedRootDisk(dir, 'root', ROOT_DISK_INIT, ROOT_LABEL, ROOT_UUID);
  const decoyDisk = cachedRootDisk(dir, 'decoy', DECOY_DISK_INIT, DECOY_LABEL, DECOY_UUID);
  const scratch = join(dir, 'scratch');
  mkdirSync(scratch, { recursive: true });
  memo = { kv: KV, kernel: KERNEL, zstdModulesPrefix: prefix, zstdConfig, rootDisk, decoyDisk, scratch };
  return memo;
}

/**
 * The shared root disk (same label and UUID) whose init also runs `commands` (busybox sh, every
 * tool by absolute path) after its usual report, before it powers off: a scenario that must look at
 * the booted system from the real root (a module parameter, /proc) asks for one. Cached by content.
 */
export function rootDiskRunning(name: string, commands: readonly string[]): string {
  const fx = bootFixture();
  const dir = dirname(fx.scratch);
  const standard = readFileSync(ROOT_DISK_INIT, 'utf8');
  const marker = '/bin/busybox sync\n';
  if (!standard.includes(marker)) throw new Error(`${ROOT_DISK_INIT} has no "${marker.trim()}" line to put commands before`);
  const init = join(dir, `${name}.init`);
  const text = standard.replace(marker, `${commands.join('\n')}\n${marker}`);
  if (!existsSync(init) || readFileSync(init, 'utf8') !== text) {
    writeFileSync(`${init}.${process.pid}`, text);
    renameSync(`${init}.${process.pid}`, init);
  }
  return cachedRootDisk(dir, name, init, ROOT_LABEL, ROOT_UUID);
}

/** How many modules of each kind the cached tree holds (a sanity check for the fixture). */
export function countModules(prefix: string): { zst: number; ko: number } {
  let zst = 0;
  let ko = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.ko.zst')) zst++;
      else if (e.name.endsWith('.ko')) ko++;
    }
  };
  walk(join(prefix, 'lib', 'modules', KV, 'kernel'));
  return { zst, ko };
}
