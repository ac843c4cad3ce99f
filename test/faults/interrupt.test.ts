import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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

async function interruptAfter(stageLine: RegExp, signal: NodeJS.Signals, delayMs = 0) {
  const root = mkdtempSync(join(work, 'run-'));
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
    `--cachedir=${join(root, 'cache')}`,
    '--config=/dev/null',
    '--no-busybox',
    '--no-kmod',
    '--no-mountboot',
    '--all-ramdisk-modules',
    '--compress-initramfs-type=xz',
    '--symlink',
    '--loglevel=2',
  ]);
  let stderr = '';
  let sent = false;
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (!sent && stageLine.test(stderr)) {
      sent = true;
      setTimeout(() => child.kill(signal), delayMs);
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  return { code, stderr, sent, boot, tmp, bootBefore };
}

function expectCleanStop(r: Awaited<ReturnType<typeof interruptAfter>>, signal: NodeJS.Signals, during: RegExp) {
  expect(r.sent, r.stderr).toBe(true);
  expect(r.code, r.stderr).toBe(signal === 'SIGINT' ? 130 : 143);
  expect(r.stderr).toMatch(new RegExp(`interrupted \\(${signal}\\) during ${during.source}; temporary files removed, nothing installed`));
  expect(r.stderr).not.toMatch(/internal error|Error:/);
  expect(snapshot(r.boot), 'boot dir changed').toEqual(r.bootBefore);
  expect(readdirSync(r.tmp), 'temp files left').toEqual([]);
  expect(existsSync(lockFileOf(r.boot)), 'lock left behind').toBe(false);
  expect(snapshot(REAL_TREE), 'module tree changed').toEqual(treeBefore);
}

describe('interrupting a build leaves the boot dir and the module tree as they were', () => {
  it('Ctrl-C while the modules are being copied and decompressed', async () => {
    expectCleanStop(await interruptAfter(/image-base .*\n/, 'SIGINT'), 'SIGINT', /copy-modules/);
  }, 60_000);

  it('SIGTERM while the image is being compressed (xz)', async () => {
    expectCleanStop(await interruptAfter(/\* install-features .*\n/, 'SIGTERM', 700), 'SIGTERM', /assemble/);
  }, 60_000);

  it('SIGTERM while the module index is being checked', async () => {
    expectCleanStop(await interruptAfter(/module-compression .*\n/, 'SIGTERM'), 'SIGTERM', /depmod|module-index|select-modules/);
  }, 60_000);
});
