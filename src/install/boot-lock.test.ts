import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireBootLock, lockPathFor } from './boot-lock.js';
import { processStartTicks } from './process-info.js';
import { GkError } from '../errors.js';
import { startFakeRun } from '../trust/fake-run.js';

let dir: string;
let lockDir: string;
let boot: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gk-lock-'));
  lockDir = join(dir, 'locks');
  boot = join(dir, 'boot');
  mkdirSync(lockDir);
  mkdirSync(boot);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): number {
  const r = spawnSync('sh', ['-c', 'echo $$']);
  return Number(String(r.stdout).trim());
}

describe('boot dir lock', () => {
  it('is one lock per real path: a symlink to the boot dir shares it', () => {
    const link = join(dir, 'boot-link');
    symlinkSync(boot, link);
    expect(lockPathFor(link, lockDir)).toBe(lockPathFor(boot, lockDir));
    expect(lockPathFor(join(dir, 'other'), lockDir)).not.toBe(lockPathFor(boot, lockDir));
  });

  it('stops a second run and names the holder: pid, command and start time', async () => {
    // A real, live second process owns the lock (the CLI-level test in test/faults runs two CLIs).
    const path = lockPathFor(boot, lockDir);
    const child = await startFakeRun();
    writeFileSync(path, JSON.stringify({ pid: child.pid, startTicks: processStartTicks(child.pid!), command: 'tsgenkernel initramfs --luks', started: '2026-01-02T03:04:05.000Z', bootdir: boot }));
    try {
      let err: unknown;
      try {
        acquireBootLock(boot, { lockDir });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(GkError);
      const line = (err as GkError).oneLine();
      expect(line).toContain(`pid ${child.pid}`);
      expect(line).toContain('tsgenkernel initramfs --luks');
      expect(line).toContain('2026-01-02T03:04:05.000Z');
      expect(line).toContain(boot);
      // The lock is untouched: the holder still owns it.
      expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(child.pid);
    } finally {
      child.kill();
      rmSync(path, { force: true });
    }
  });

  it('does not believe a live pid that is not a tsgenkernel run (pid 1, a sleep): the lock is taken over', async () => {
    const path = lockPathFor(boot, lockDir);
    const other = spawn('sleep', ['30']);
    await new Promise((r) => other.once('spawn', r));
    try {
      for (const pid of [1, other.pid!]) {
        writeFileSync(path, JSON.stringify({ pid, startTicks: processStartTicks(pid), command: 'tsgenkernel all', started: 'then', bootdir: boot }));
        const notes: string[] = [];
        const lock = acquireBootLock(boot, { lockDir, note: (t) => notes.push(t) });
        expect(notes[0]).toMatch(new RegExp(`stale lock .*pid ${pid} .*is not a tsgenkernel run`));
        lock.release();
      }
    } finally {
      other.kill();
    }
  });

  it('replaces a lock file another user planted, naming its owner', () => {
    const path = lockPathFor(boot, lockDir);
    writeFileSync(path, JSON.stringify({ pid: process.pid, startTicks: processStartTicks(process.pid), command: 'tsgenkernel all', started: 'then', bootdir: boot }));
    execFileSync('chown', ['nobody', path]);
    const notes: string[] = [];
    const lock = acquireBootLock(boot, { lockDir, note: (t) => notes.push(t) });
    expect(notes).toEqual([expect.stringMatching(/replaced the lock file .*: it is owned by nobody \(uid \d+\), not by root/)]);
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid);
    lock.release();
    expect(existsSync(path)).toBe(false);
  });

  it('takes over a lock whose process is gone, with a note', () => {
    const path = lockPathFor(boot, lockDir);
    const pid = deadPid();
    writeFileSync(path, JSON.stringify({ pid, startTicks: 1, command: 'tsgenkernel all', started: '2026-01-01T00:00:00.000Z', bootdir: boot }));
    const notes: string[] = [];
    const lock = acquireBootLock(boot, { lockDir, note: (t) => notes.push(t) });
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(new RegExp(`stale lock .*pid ${pid} \\(tsgenkernel all\\).*no longer running`));
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid);
    lock.release();
    expect(existsSync(path)).toBe(false);
  });

  it('treats a live pid with another start time as a reused pid, so the lock is stale', () => {
    const path = lockPathFor(boot, lockDir);
    // Our own pid is alive, but this lock claims a process that started at another time.
    writeFileSync(path, JSON.stringify({ pid: process.pid, startTicks: (processStartTicks(process.pid) ?? 0) + 12345, command: 'x', started: 'then', bootdir: boot }));
    const notes: string[] = [];
    const lock = acquireBootLock(boot, { lockDir, note: (t) => notes.push(t) });
    expect(notes[0]).toMatch(/stale lock/);
    lock.release();
  });

  it('takes over an empty lock file (a crash between create and write)', () => {
    const path = lockPathFor(boot, lockDir);
    writeFileSync(path, '');
    const notes: string[] = [];
    const lock = acquireBootLock(boot, { lockDir, note: (t) => notes.push(t) });
    expect(notes[0]).toMatch(/unreadable lock file/);
    lock.release();
    expect(existsSync(path)).toBe(false);
  });

  it('does not remove a lock another run has taken over since', () => {
    const path = lockPathFor(boot, lockDir);
    const lock = acquireBootLock(boot, { lockDir });
    const other = { pid: 1, startTicks: null, command: 'other', started: 'now', bootdir: boot };
    writeFileSync(path, JSON.stringify(other));
    lock.release();
    expect(JSON.parse(readFileSync(path, 'utf8')).command).toBe('other');
    rmSync(path);
  });

  it('says "run as root" when the lock dir cannot be written', () => {
    expect(() => acquireBootLock(boot, { lockDir: join(dir, 'no-such-dir') })).toThrow(/cannot create the lock file/);
  });
});
