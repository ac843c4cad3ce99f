import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { processStartTicks } from '../../src/install/process-info.js';
import { startFakeRun } from '../../src/trust/fake-run.js';
import { buildArgs, KV, lockFileOf, oneLineError, runCli, snapshot, startCli } from './cli-harness.js';
import { smallBuildFixture } from './small-build-fixture.js';
import { TEST_KV_RE } from '../debian-kernel.js';


const MODULES = ['virtio_blk', 'ext4'];
const fx = smallBuildFixture('/tmp/gk-disk-', MODULES);

/** A previous image that cannot be confused with a new one, and its symlink. */
function previousImage(boot: string, bytes: number): Buffer {
  const data = randomBytes(bytes);
  writeFileSync(join(boot, `initramfs-${KV}.img`), data);
  symlinkSync(`initramfs-${KV}.img`, join(boot, 'initramfs'));
  return data;
}

describe('a disk that fills up', () => {
  it('in the boot dir while the new image is copied in: the old image stays, no temp file is left', () => {
    const d = fx.dirs({ boot: fx.tmpfs(join(fx.work, 'small-boot'), '2M') });
    const old = previousImage(d.boot, 600_000);
    const before = snapshot(d.boot);
    // Uncompressed, the image (2.7 MiB) cannot fit beside the old one.
    const r = runCli(buildArgs(d, ['--no-compress-initramfs', '--symlink']));
    expect(r.code, r.stderr).toBe(1);
    expect(oneLineError(r)).toMatch(new RegExp(String.raw`no space left in .*small-boot while installing initramfs-${TEST_KV_RE}\.img; the previous initramfs-${TEST_KV_RE}\.img is untouched — free space`));
    expect(snapshot(d.boot)).toEqual(before);
    expect(readFileSync(join(d.boot, `initramfs-${KV}.img`)).equals(old)).toBe(true);
    expect(readdirSync(d.tmp)).toEqual([]);
    expect(existsSync(lockFileOf(d.boot))).toBe(false);
  });

  it('in the temp dir while the image is written: a one-line error, nothing installed, nothing left', () => {
    // Smaller than the uncompressed image (2.7 MiB) alone: the staged modules no longer take tmp space.
    const d = fx.dirs({ tmp: fx.tmpfs(join(fx.work, 'small-tmp'), '2M') });
    previousImage(d.boot, 1000);
    const before = snapshot(d.boot);
    const r = runCli(buildArgs(d, ['--no-compress-initramfs']));
    expect(r.code, r.stderr).toBe(1);
    expect(oneLineError(r)).toMatch(/no space left .* — free space there, or point --tmpdir=DIR/);
    expect(snapshot(d.boot)).toEqual(before);
    expect(readdirSync(d.tmp)).toEqual([]);
  });

  it('the same build succeeds once there is room (the failures above are about space only)', () => {
    const d = fx.dirs({ boot: fx.tmpfs(join(fx.work, 'roomy-boot'), '8M') });
    previousImage(d.boot, 600_000);
    const r = runCli(buildArgs(d, ['--no-compress-initramfs', '--symlink']));
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(d.boot).sort()).toEqual(['initramfs', `initramfs-${KV}.img`, `initramfs-${KV}.img.old`]);
  });
});

describe('one run per boot dir', () => {
  it('a second run is refused while a first one writes the same boot dir, and told who holds it', async () => {
    const d = fx.dirs();
    previousImage(d.boot, 1000);
    // The first run: every Debian module, slow enough to still be running when the second starts.
    const first = startCli([...buildArgs({ ...d, prefix: '/' }, ['--all-ramdisk-modules', '--loglevel=2']).filter((a) => !a.startsWith('--kernel-modules-prefix'))]);
    let err = '';
    await new Promise<void>((resolve, reject) => {
      first.stderr.on('data', (c: Buffer) => {
        err += c.toString();
        if (/select-modules/.test(err)) resolve();
      });
      first.on('exit', () => reject(new Error(`first run ended early: ${err}`)));
    });
    try {
      const second = runCli(buildArgs({ ...d, tmp: join(d.tmp, '..', 'tmp2') }));
      expect(second.code).toBe(1);
      const line = oneLineError(second);
      expect(line).toContain(`another tsgenkernel run is writing ${d.boot}: pid ${first.pid} (tsgenkernel initramfs --config=`);
      expect(line).toMatch(/started \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
      expect(line).toContain(`— wait for it to finish, or stop it (kill ${first.pid})`);
    } finally {
      first.kill('SIGINT');
      await new Promise((r) => first.on('exit', r));
    }
    expect(existsSync(lockFileOf(d.boot))).toBe(false);
  }, 60_000);

  it('a lock left by a run that died is taken over with a note', () => {
    const d = fx.dirs();
    const dead = spawnSync('sh', ['-c', 'echo $$']);
    const pid = Number(String(dead.stdout).trim());
    writeFileSync(lockFileOf(d.boot), JSON.stringify({ pid, startTicks: 1, command: 'tsgenkernel initramfs --luks', started: '2026-01-01T00:00:00.000Z', bootdir: d.boot }));
    const r = runCli(buildArgs(d));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`WARNING: took over a stale lock on .*: pid ${pid} \\(tsgenkernel initramfs --luks\\), started 2026-01-01T00:00:00.000Z is no longer running`));
    expect(existsSync(lockFileOf(d.boot))).toBe(false);
  });

  it('a lock held by a live tsgenkernel run (a stand-in named tsgenkernel) blocks', async () => {
    const d = fx.dirs();
    const holder = await startFakeRun(20);
    try {
      writeFileSync(lockFileOf(d.boot), JSON.stringify({ pid: holder.pid, startTicks: processStartTicks(holder.pid!), command: 'tsgenkernel all', started: '2026-02-03T04:05:06.000Z', bootdir: d.boot }));
      const r = runCli(buildArgs(d));
      expect(r.code).toBe(1);
      expect(oneLineError(r)).toContain(`pid ${holder.pid} (tsgenkernel all), started 2026-02-03T04:05:06.000Z`);
      expect(readdirSync(d.boot)).toEqual([]);
    } finally {
      holder.kill();
      rmSync(lockFileOf(d.boot), { force: true });
    }
  });
});

describe('--dry-run', () => {
  it('prints the plan and writes nothing: boot dir, module tree, temp dir, cache, lock', () => {
    const d = fx.dirs();
    previousImage(d.boot, 1000);
    const cache = join(d.tmp, '..', 'cache');
    const before = { boot: snapshot(d.boot), tree: snapshot(fx.tree.baseDir), tmp: snapshot(d.tmp) };
    const r = runCli(buildArgs(d, ['--dry-run']));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^kernel ${TEST_KV_RE}`, 'm'));
    expect(r.stdout).toMatch(/kernel\/drivers\/block\/virtio_blk\.ko/);
    expect(r.stdout).toMatch(/kernel\/fs\/ext4\/ext4\.ko/);
    expect(snapshot(d.boot)).toEqual(before.boot);
    expect(snapshot(fx.tree.baseDir)).toEqual(before.tree);
    expect(snapshot(d.tmp)).toEqual(before.tmp);
    expect(existsSync(cache)).toBe(false);
    expect(existsSync(lockFileOf(d.boot))).toBe(false);
  });
});
