import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertBuilt, KV, lockFileOf, snapshot, startCli } from './cli-harness.js';

/**
 * Ctrl-C and SIGTERM at several points of a real build. The timing is made deterministic by a
 * real slow build, not a test hook: every module of the Debian tree (thousands of files, hundreds of MiB) is copied,
 * then compressed with xz, and the signal is sent when the CLI reports the stage before the one
 * to interrupt (stage lines appear at --loglevel=2 as each stage ends).
 */
const REAL_TREE = `/lib/modules/${KV}`;
let work: string;
let treeBefore: Record<string, string>;

beforeAll(() => {
  assertBuilt();
  work = mkdtempSync('/tmp/gk-interrupt-');
  treeBefore = snapshot(REAL_TREE);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Interruption {
  /** Send the signal this long after the trigger. */
  delayMs?: number;
  /** Variables for the run (a PATH with a stand-in program first). */
  env?: Record<string, string>;
  /** A file whose appearance is the trigger, instead of a stage line. */
  whenFile?: string;
}

async function interruptAfter(stageLine: RegExp, signal: NodeJS.Signals, how: Interruption = {}) {
  const root = mkdtempSync(join(work, 'run-'));
  const cache = join(root, 'cache');
  const boot = join(root, 'boot');
  const tmp = join(root, 'tmp');
  mkdirSync(boot);
  mkdirSync(tmp);
  writeFileSync(join(boot, `initramfs-${KV}.img`), 'the previous image');
  symlinkSync(`initramfs-${KV}.img`, join(boot, 'initramfs'));
  const bootBefore = snapshot(boot);
  const child = startCli([
    'initramfs',
    `--kernel-version=${KV}`,
    `--bootdir=${boot}`,
    `--tmpdir=${tmp}`,
    `--logfile=${join(root, 'log')}`,
    `--cachedir=${cache}`,
    '--config=/dev/null',
    '--no-busybox',
    '--no-kmod',
    '--no-mountboot',
    '--all-ramdisk-modules',
    '--compress-initramfs-type=xz',
    '--symlink',
    '--loglevel=2',
  ], how.env);
  let stderr = '';
  let sent = false;
  const send = () => {
    if (sent) return;
    sent = true;
    setTimeout(() => child.kill(signal), how.delayMs ?? 0);
  };
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (!how.whenFile && stageLine.test(stderr)) send();
  });
  const poll = how.whenFile ? setInterval(() => existsSync(how.whenFile!) && send(), 20) : undefined;
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearInterval(poll);
  return { code, stderr, sent, boot, tmp, bootBefore, cache };
}

/** Half-built entries (name.PID.tmp) anywhere in the cache dir. */
function unfinishedCacheEntries(cache: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const e of existsSync(dir) ? readdirSync(dir, { withFileTypes: true }) : []) {
      if (e.name.endsWith('.tmp')) found.push(join(dir, e.name));
      else if (e.isDirectory()) walk(join(dir, e.name));
    }
  };
  walk(cache);
  return found;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function expectCleanStop(r: Awaited<ReturnType<typeof interruptAfter>>, signal: NodeJS.Signals, during: RegExp) {
  expect(r.sent, r.stderr).toBe(true);
  expect(r.code, r.stderr).toBe(signal === 'SIGINT' ? 130 : 143);
  expect(r.stderr).toMatch(new RegExp(`interrupted \\(${signal}\\) during ${during.source}; temporary files removed, nothing installed`));
  expect(r.stderr).not.toMatch(/internal error|Error:/);
  expect(snapshot(r.boot), 'boot dir changed').toEqual(r.bootBefore);
  expect(readdirSync(r.tmp), 'temp files left').toEqual([]);
  expect(existsSync(lockFileOf(r.boot)), 'lock left behind').toBe(false);
  expect(unfinishedCacheEntries(r.cache), 'half-built cache entries left').toEqual([]);
  expect(snapshot(REAL_TREE), 'module tree changed').toEqual(treeBefore);
}

describe('interrupting a build leaves the boot dir and the module tree as they were', () => {
  it('Ctrl-C while the modules are being copied and decompressed', async () => {
    expectCleanStop(await interruptAfter(/image-base .*\n/, 'SIGINT'), 'SIGINT', /copy-modules/);
  }, 60_000);

  it('SIGTERM while the image is being compressed (xz)', async () => {
    expectCleanStop(await interruptAfter(/\* install-features .*\n/, 'SIGTERM', { delayMs: 700 }), 'SIGTERM', /assemble/);
  }, 60_000);

  it('SIGTERM while the module index is being checked', async () => {
    expectCleanStop(await interruptAfter(/module-compression .*\n/, 'SIGTERM'), 'SIGTERM', /depmod|module-index|select-modules/);
  }, 60_000);

  it('SIGTERM sent to tsgenkernel alone while depmod indexes the staged modules: depmod is stopped too', async () => {
    // A stand-in depmod that, for the staging tree only, says it started and then takes its time,
    // as the real one does on a slow disk. A terminal's Ctrl-C reaches the whole process group;
    // `kill PID` reaches tsgenkernel only, which must stop what it started before it cleans up.
    const bin = join(work, 'slow-depmod');
    mkdirSync(bin);
    const started = join(bin, 'pid');
    const depmod = join(bin, 'depmod');
    writeFileSync(depmod, `#!/bin/sh\ncase "$*" in *staged-modules*) echo $$ > ${started}; sleep 30 ;; esac\nPATH=${process.env.PATH}:/usr/sbin:/sbin exec depmod "$@"\n`, { mode: 0o755 });
    const r = await interruptAfter(/never/, 'SIGTERM', { env: { PATH: `${bin}:${process.env.PATH}` }, whenFile: started, delayMs: 100 });
    expectCleanStop(r, 'SIGTERM', /copy-modules/);
    expect(isRunning(Number(readFileSync(started, 'utf8'))), 'depmod still running after tsgenkernel exited').toBe(false);
  }, 60_000);
});
