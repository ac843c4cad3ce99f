import { mkdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { featureTestContext } from '../firmware/test-context.js';
import { preflightStage } from '../stages/preflight.js';
import { acquireBootLock, lockPathFor } from './boot-lock.js';
import { bootDirPreflight } from './boot-dir-preflight.js';
import { expandFilename } from './filenames.js';
import { processStartTicks } from './process-info.js';
import { startFakeRun } from '../trust/fake-run.js';

/** The one boot-dir preflight: what the preflight stage stops on and what `check` prints. */
const cleanups: Array<() => void> = [];
afterAll(() => cleanups.forEach((c) => c()));

async function contextWithBootDir(settings = {}) {
  const t = await featureTestContext({ settings: { INSTALL: true, ...settings } });
  mkdirSync(t.ctx.paths.bootdir);
  cleanups.push(() => rmSync(t.base, { recursive: true, force: true }));
  return t;
}

describe('boot-dir preflight', () => {
  it("this run's own lock does not count; another live run's does, and stops the preflight stage", async () => {
    const { ctx } = await contextWithBootDir();
    const own = acquireBootLock(ctx.paths.bootdir);
    try {
      expect((await bootDirPreflight(ctx)).filter((f) => f.status !== 'ok')).toEqual([]);
    } finally {
      own.release();
    }
    const lock = lockPathFor(ctx.paths.bootdir);
    cleanups.push(() => rmSync(lock, { force: true }));
    // pid 1 is alive, but it is no tsgenkernel run: its lock is stale, never a reason to kill it.
    writeFileSync(lock, JSON.stringify({ pid: 1, startTicks: processStartTicks(1), command: 'init', started: 'boot', bootdir: ctx.paths.bootdir }));
    expect(await bootDirPreflight(ctx)).toContainEqual(expect.objectContaining({ status: 'ok', name: 'lock', text: expect.stringMatching(/pid 1 is not a running tsgenkernel/) }));
    const holder = await startFakeRun(20);
    try {
      writeFileSync(lock, JSON.stringify({ pid: holder.pid, startTicks: processStartTicks(holder.pid), command: 'tsgenkernel all', started: 'now', bootdir: ctx.paths.bootdir }));
      const found = await bootDirPreflight(ctx);
      expect(found).toContainEqual(expect.objectContaining({ status: 'FAIL', name: 'lock', text: expect.stringMatching(new RegExp(`another run is writing .*: pid ${holder.pid} \\(tsgenkernel all\\)`)) }));
      await expect(preflightStage.run(ctx)).rejects.toThrow(/another run is writing/);
    } finally {
      holder.kill();
    }
  });

  it("reports a killed install's temp files: a warn line for check, a warning in a build", async () => {
    const { ctx, lines } = await contextWithBootDir();
    writeFileSync(join(ctx.paths.bootdir, '.initramfs.img.tsgk-999999.tmp'), 'partial');
    expect(await bootDirPreflight(ctx)).toContainEqual(expect.objectContaining({ status: 'warn', name: 'leftovers' }));
    await preflightStage.run(ctx);
    expect(lines.filter((l) => l.includes('WARNING'))).toEqual([expect.stringMatching(/holds temp files of an install that was killed: \.initramfs\.img\.tsgk-999999\.tmp/)]);
  });

  it('asks for room for the new image beside the current one once the kernel is known', async () => {
    const { ctx } = await contextWithBootDir({ CHECK_FREE_DISK_SPACE_BOOTDIR: 0 });
    expect((await bootDirPreflight(ctx)).find((f) => f.name === 'free space')?.status).toBe('ok');
    // A sparse "current image" far larger than any disk: its replacement cannot fit beside it.
    const name = expandFilename(ctx.settings.INITRAMFS_FILENAME, { kv: ctx.kernel!.version, arch: ctx.kernel!.arch });
    writeFileSync(join(ctx.paths.bootdir, name), '');
    truncateSync(join(ctx.paths.bootdir, name), 2 ** 40);
    expect(await bootDirPreflight(ctx)).toContainEqual(
      expect.objectContaining({ status: 'FAIL', name: 'free space', text: expect.stringContaining(`the current ${name} is 1048576 MB and its replacement is written beside it`) }),
    );
  });
});
