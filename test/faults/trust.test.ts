import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeModuleTree, type ModuleTreeFixture } from '../../src/kmod/test-fixtures.js';
import { loadManifest } from '../../src/gkbuild/manifest.js';
import { defaultRecipeSources } from '../../src/gkbuild/paths.js';
import { startFakeRun } from '../../src/trust/fake-run.js';
import { processStartTicks } from '../../src/install/process-info.js';
import { TEST_CACHEDIR, TEST_DISTDIR } from '../shared-cache.js';
import { assertBuilt, BIN, buildArgs, KV, lockFileOf, oneLineError, runCli, smallConf, snapshot, type BuildDirs } from './cli-harness.js';

/**
 * Root's build trusts nothing a local user controls. Each case plants what an unprivileged user
 * could (as `nobody`, through setpriv, or by handing a path to nobody) and runs the real CLI as
 * root: a refusal is one line naming the path, its owner and its mode, before any work, with
 * nothing written; a forged lock or a changed cached tool is not obeyed. The shared tool cache
 * is only read: cases that change cache entries work on private copies.
 */
const MODULES = ['virtio_blk', 'ext4'];
let work: string;
let tree: ModuleTreeFixture;
let n = 0;

beforeAll(async () => {
  assertBuilt();
  work = mkdtempSync('/tmp/gk-trust-');
  chmodSync(work, 0o755); // nobody plants things below it
  tree = await makeModuleTree('none', MODULES);
}, 120_000);

afterAll(async () => {
  await tree?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Fresh dirs for one run: a boot dir holding a previous image, an empty temp dir. */
function dirs(): BuildDirs & { root: string } {
  const root = join(work, `run-${++n}`);
  const boot = join(root, 'boot');
  mkdirSync(boot, { recursive: true });
  writeFileSync(join(boot, `initramfs-${KV}.img`), 'the previous image');
  mkdirSync(join(root, 'tmp'));
  return { root, conf: smallConf(join(root, 'genkernel.conf'), MODULES), prefix: tree.baseDir, boot, tmp: join(root, 'tmp'), log: join(root, 'log') };
}

/** Runs a command as nobody (what a local user can do). */
function asNobody(cmd: string, ...args: string[]): void {
  execFileSync('setpriv', ['--reuid', 'nobody', '--regid', 'nogroup', '--clear-groups', cmd, ...args]);
}

/**
 * A refused run: one line, non-zero, boot dir and temp dir as they were, no lock left. Trust
 * refusals come before any work (`early`); content refusals come from the stage that reads it.
 */
function refused(d: BuildDirs, args: string[], early = true): string {
  const before = snapshot(d.boot);
  const tmpBefore = existsSync(d.tmp) ? readdirSync(d.tmp) : undefined;
  const r = runCli(args);
  expect(r.code, r.stderr).not.toBe(0);
  const line = oneLineError(r);
  // Before any work: not even the first stage ran.
  if (early) expect(r.stderr).not.toMatch(/preflight|resolve kernel|depmod/);
  expect(snapshot(d.boot)).toEqual(before);
  if (tmpBefore) expect(readdirSync(d.tmp)).toEqual(tmpBefore);
  expect(existsSync(lockFileOf(d.boot))).toBe(false);
  return line;
}

const OWNER_NOBODY = /owner nobody \(uid \d+\), mode 0\d{3}/;

describe('paths the build trusts must be root\'s alone', () => {
  it('baseline: the same build in root-owned dirs under sticky /tmp succeeds', () => {
    const d = dirs();
    const r = runCli(buildArgs(d));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/WARNING/);
  });

  it('a temp dir owned by another user is refused, naming path, owner and mode, with the fix', () => {
    const d = dirs();
    execFileSync('chown', ['nobody', d.tmp]);
    const line = refused(d, buildArgs(d));
    expect(line).toContain(`refusing the temp dir: ${d.tmp} belongs to another user`);
    expect(line).toMatch(OWNER_NOBODY);
    expect(line).toContain(`— chown root: ${d.tmp}; chmod go-w ${d.tmp}, or pass another --tmpdir=DIR`);
  });

  it('a temp dir inside a parent another user owns is refused before the run creates anything there', () => {
    const d = dirs();
    const theirs = join(d.root, 'theirs');
    mkdirSync(theirs);
    execFileSync('chown', ['nobody', theirs]);
    const tmp = join(theirs, 'tsgenkernel');
    const line = refused(d, buildArgs({ ...d, tmp }));
    expect(line).toContain(`refusing the temp dir: ${theirs} belongs to another user`);
    expect(line).toContain(`(on the way to ${tmp})`);
    expect(readdirSync(theirs)).toEqual([]);
  });

  it('a world-writable (not sticky) parent is refused; a sticky one like /tmp is not', () => {
    const d = dirs();
    const open = join(d.root, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    const line = refused(d, buildArgs({ ...d, tmp: join(open, 'tmp') }));
    expect(line).toMatch(new RegExp(`${open} is writable by others \\(owner root \\(uid 0\\), mode 0777\\)`));
    chmodSync(open, 0o1777);
    const r = runCli(buildArgs({ ...d, tmp: join(open, 'tmp') }));
    expect(r.code, r.stderr).toBe(0);
  });

  it('a temp dir reached through a link another user planted in a sticky dir is refused', () => {
    const d = dirs();
    const sticky = join(d.root, 'sticky');
    mkdirSync(sticky, { mode: 0o1777 });
    chmodSync(sticky, 0o1777);
    asNobody('ln', '-s', d.tmp, join(sticky, 'tsgenkernel'));
    const line = refused(d, buildArgs({ ...d, tmp: join(sticky, 'tsgenkernel') }));
    expect(line).toContain(`${join(sticky, 'tsgenkernel')} belongs to another user`);
  });

  it('a cache dir owned by another user is refused (cached tools go into the image as they are)', () => {
    const d = dirs();
    const cache = join(d.root, 'cache');
    mkdirSync(cache);
    execFileSync('chown', ['nobody', cache]);
    const line = refused(d, buildArgs(d));
    expect(line).toContain(`refusing the cache dir: ${cache} belongs to another user`);
    expect(line).toMatch(/, or pass another --cachedir=DIR$/);
  });

  it('a distfiles dir owned by another user is refused', () => {
    const d = dirs();
    const dist = join(d.root, 'dist');
    mkdirSync(dist);
    execFileSync('chown', ['nobody', dist]);
    const line = refused(d, buildArgs(d, [`--distdir=${dist}`]));
    expect(line).toContain(`refusing the distfiles dir: ${dist} belongs to another user`);
  });

  it('a group-writable conf file, or one another user owns, is refused before it is read', () => {
    const d = dirs();
    chmodSync(d.conf, 0o664);
    expect(refused(d, buildArgs(d))).toMatch(new RegExp(`refusing the config file: ${d.conf} is writable by its group \\(owner root \\(uid 0\\), mode 0664\\), .* — chown root: ${d.conf}; chmod go-w ${d.conf}`));
    chmodSync(d.conf, 0o644);
    execFileSync('chown', ['nobody', d.conf]);
    expect(refused(d, buildArgs(d))).toMatch(OWNER_NOBODY);
  });

  it('a user-chosen overlay owned by another user is built, with a warning naming it', () => {
    const d = dirs();
    const overlay = join(d.root, 'overlay');
    mkdirSync(join(overlay, 'etc'), { recursive: true });
    writeFileSync(join(overlay, 'etc/motd'), 'hello\n');
    execFileSync('chown', ['-R', 'nobody', overlay]);
    const r = runCli(buildArgs(d, [`--initramfs-overlay=${overlay}`]));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`WARNING: the initramfs overlay ${overlay} is not root's alone: ${overlay} belongs to another user \\(owner nobody`));
  });

  it('a module tree, firmware dir and SSH keys file another user owns are used, each with a warning', () => {
    const d = dirs();
    const prefix = join(d.root, 'prefix');
    execFileSync('cp', ['-a', tree.baseDir, prefix]);
    execFileSync('chown', ['nobody', join(prefix, 'lib/modules', KV)]);
    const fw = join(d.root, 'firmware');
    mkdirSync(fw);
    execFileSync('chown', ['nobody', fw]);
    const keys = join(d.root, 'authorized_keys');
    writeFileSync(keys, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIByYw0d4t9xXbRIl0J9Jm3l1z5q3Lx4n9bXjR1cP2kq1 test\n');
    execFileSync('chown', ['nobody', keys]);
    const r = runCli(buildArgs({ ...d, prefix }, ['--firmware', `--firmware-dir=${fw}`, '--ssh', `--ssh-authorized-keys-file=${keys}`, '--ssh-host-keys=runtime']));
    expect(r.code, r.stderr).toBe(0);
    for (const [what, path] of [['module tree', join(prefix, 'lib/modules', KV)], ['firmware dir', fw], ['SSH authorized keys file', keys]]) {
      expect(r.stderr).toContain(`WARNING: the ${what} ${path} is not root's alone: ${path} belongs to another user (owner nobody`);
    }
  });

  it('dirs the run creates are not group-writable even under umask 002', () => {
    const d = dirs();
    const tmp = join(d.root, 'new/tmp');
    const r = spawnSync('sh', ['-c', 'umask 002; exec "$@"', 'sh', BIN, ...buildArgs({ ...d, tmp })], { encoding: 'utf8', cwd: '/' });
    expect(r.status, r.stderr).toBe(0);
    expect(statSync(join(d.root, 'new')).mode & 0o777).toBe(0o755);
    expect(statSync(tmp).mode & 0o777).toBe(0o755);
  });

  it('a non-root user may use dirs they own (the rule trusts root and the invoking user)', () => {
    const d = dirs();
    execFileSync('chmod', ['-R', 'a+rX', d.root, tree.baseDir]);
    execFileSync('chown', ['-R', 'nobody', d.boot, d.tmp]);
    const r = runCli(buildArgs(d), { asUser: 'nobody' });
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('locks cannot be forged', () => {
  it('a lock another user planted (pid 1) is replaced with a warning naming its owner, never obeyed', () => {
    const d = dirs();
    const lock = lockFileOf(d.boot);
    asNobody('sh', '-c', `printf '%s\\n' '{"pid":1,"startTicks":null,"command":"tsgenkernel all","started":"x","bootdir":"${d.boot}"}' > ${lock}`);
    expect(statSync(lock).uid).not.toBe(0);
    const r = runCli(buildArgs(d));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`WARNING: replaced the lock file ${lock}: it is owned by nobody \\(uid \\d+\\), not by root`));
    expect(r.stderr).not.toMatch(/kill 1\b/);
    expect(existsSync(lock)).toBe(false);
  });

  it('a root-owned lock naming a live process that is not a tsgenkernel run is taken over, and "kill" is never suggested', () => {
    const d = dirs();
    const lock = lockFileOf(d.boot);
    writeFileSync(lock, JSON.stringify({ pid: 1, startTicks: processStartTicks(1), command: 'tsgenkernel all', started: 'x', bootdir: d.boot }));
    const r = runCli(buildArgs(d));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/WARNING: took over a stale lock on .*: pid 1 \(tsgenkernel all\), started x is not a tsgenkernel run/);
    expect(r.stderr).not.toMatch(/kill/);
  });

  it('a lock held by a live tsgenkernel run of root still stops the build', async () => {
    const d = dirs();
    const lock = lockFileOf(d.boot);
    const holder = await startFakeRun(20);
    try {
      writeFileSync(lock, JSON.stringify({ pid: holder.pid, startTicks: processStartTicks(holder.pid), command: 'tsgenkernel all', started: 'x', bootdir: d.boot }));
      const r = runCli(buildArgs(d));
      expect(r.code).toBe(1);
      expect(oneLineError(r)).toContain(`kill ${holder.pid}`);
    } finally {
      holder.kill();
      rmSync(lock, { force: true });
    }
  });
});

/** The shared cache's kmod entry and its dependencies, copied into a private cache dir. */
function privateToolCache(root: string): { cache: string; kmodEntry: string } {
  const cache = join(root, 'cache');
  mkdirSync(join(cache, 'gkbuild'), { recursive: true });
  for (const name of ['kmod', 'zstd', 'xz', 'zlib']) execFileSync('cp', ['-a', join(TEST_CACHEDIR, 'gkbuild', name), join(cache, 'gkbuild', name)]);
  // A cache kept across recipe changes holds older kmod builds too: the global set-up built the
  // current one last, so the newest entry is the one this run will look up.
  const kmodDir = join(cache, 'gkbuild/kmod');
  const builtAt = (k: string) => String((JSON.parse(readFileSync(join(kmodDir, k, 'meta.json'), 'utf8')) as { builtAt?: string }).builtAt ?? '');
  const keys = readdirSync(kmodDir).filter((k) => !k.startsWith('.') && existsSync(join(kmodDir, k, 'meta.json')));
  if (keys.length === 0) throw new Error(`expected a cached kmod in ${TEST_CACHEDIR}`);
  const newest = keys.sort((a, b) => builtAt(a).localeCompare(builtAt(b))).at(-1)!;
  for (const old of keys) if (old !== newest) rmSync(join(kmodDir, old), { recursive: true });
  return { cache, kmodEntry: join(kmodDir, newest) };
}

describe('the image\'s contents come only from where they should', () => {
  it('a cached kmod replaced after it was built is not used: the run builds it again', () => {
    const d = dirs();
    const { cache, kmodEntry } = privateToolCache(d.root);
    const emptyDist = join(d.root, 'no-distfiles');
    mkdirSync(emptyDist);
    const args = buildArgs(d).filter((a) => a !== '--no-kmod' && !a.startsWith('--cachedir=')).concat(`--cachedir=${cache}`, `--distdir=${emptyDist}`);
    // The untouched copy is a hit.
    const ok = runCli(args);
    expect(ok.code, ok.stderr).toBe(0);
    copyFileSync('/bin/true', join(kmodEntry, 'root/bin/kmod'));
    const r = runCli(args);
    expect(r.stderr).toMatch(/WARNING: cached kmod .* was changed after it was built \(bin\/kmod differs from its recorded digest\): building it again/);
    // The rebuild needs the source tarball, which this run's distdir lacks: refused, never the planted binary.
    expect(r.code).not.toBe(0);
    expect(oneLineError(r)).toMatch(/source tarball kmod_.* is not in /);
    expect(existsSync(kmodEntry)).toBe(false);
    expect(readFileSync(join(d.boot, `initramfs-${KV}.img`)).length).toBeGreaterThan(100); // the first run's image, untouched
  });

  it('a tampered distfile is refused by its checksum before anything is built', () => {
    const d = dirs();
    const { cache, kmodEntry } = privateToolCache(d.root);
    rmSync(kmodEntry, { recursive: true }); // kmod must be built, so its tarball is read
    const kmodTarball = loadManifest(defaultRecipeSources().manifestPath).get('kmod')!.file;
    const dist = join(d.root, 'dist');
    mkdirSync(dist);
    copyFileSync(join(TEST_DISTDIR, kmodTarball), join(dist, kmodTarball));
    writeFileSync(join(dist, kmodTarball), 'x', { flag: 'a' });
    const args = buildArgs(d).filter((a) => a !== '--no-kmod' && !a.startsWith('--cachedir=')).concat(`--cachedir=${cache}`, `--distdir=${dist}`);
    const before = snapshot(d.boot);
    const r = runCli(args);
    expect(r.code).not.toBe(0);
    expect(oneLineError(r)).toMatch(new RegExp(`source tarball ${join(dist, kmodTarball).replace(/[+.]/g, '\\$&')} has sha256 [0-9a-f]{64}, but the manifest expects [0-9a-f]{64} — delete it and run`));
    expect(snapshot(d.boot)).toEqual(before);
    expect(readdirSync(join(cache, 'gkbuild/kmod')).filter((e) => !e.startsWith('.'))).toEqual([]);
  });

  it('an overlay link that climbs out of the overlay is refused', () => {
    const d = dirs();
    const overlay = join(d.root, 'overlay');
    mkdirSync(join(overlay, 'etc'), { recursive: true });
    symlinkSync('../../../etc/shadow', join(overlay, 'etc/shadow'));
    const line = refused(d, buildArgs(d, [`--initramfs-overlay=${overlay}`]), false);
    expect(line).toContain(`initramfs overlay link ${join(overlay, 'etc/shadow')} -> ../../../etc/shadow points outside ${overlay}`);
  });

  it('a firmware name that climbs out of the firmware dir is refused', () => {
    const d = dirs();
    const fw = join(d.root, 'firmware');
    mkdirSync(fw);
    const line = refused(d, buildArgs(d, [`--firmware-dir=${fw}`, '--firmware-files=../../etc/shadow']), false);
    expect(line).toContain(`firmware name "../../etc/shadow" points outside ${fw}`);
  });
});

describe('secrets stay root\'s', () => {
  let keys: string;
  beforeAll(() => {
    keys = join(work, 'authorized_keys');
    writeFileSync(keys, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIByYw0d4t9xXbRIl0J9Jm3l1z5q3Lx4n9bXjR1cP2kq1 test\n');
  });
  const sshArgs = () => ['--ssh', `--ssh-authorized-keys-file=${keys}`, '--ssh-host-keys=runtime'];

  it('an image carrying authorized keys is 0600, and so is its .old; check reports it once others can read it', () => {
    const d = dirs();
    const image = join(d.boot, `initramfs-${KV}.img`);
    chmodSync(image, 0o644); // the previous image, from another tool or an older run
    const r = runCli(buildArgs(d, sshArgs()));
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(image).mode & 0o7777).toBe(0o600);
    expect(statSync(`${image}.old`).mode & 0o7777).toBe(0o600);

    chmodSync(image, 0o644);
    const checkArgs = ['check', ...buildArgs(d).slice(1)];
    const c = runCli(checkArgs);
    expect(c.stdout).toMatch(new RegExp(`warn secrets: ${image} is readable by every user \\(mode 0644\\) and holds root/\\.ssh/authorized_keys — chmod 600 ${image}`));
    chmodSync(image, 0o600);
    expect(runCli(checkArgs).stdout).not.toMatch(/secrets:/);
  });

  it('a kept --no-install image is 0600; --no-cleanup leaves a 0700 temp dir', () => {
    const d = dirs();
    const r = runCli(buildArgs(d, [...sshArgs(), '--no-install', '--no-cleanup']));
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(join(d.tmp, `initramfs-${KV}.img`)).mode & 0o7777).toBe(0o600);
    const runDirs = readdirSync(d.tmp).filter((e) => e.startsWith('initramfs-') && statSync(join(d.tmp, e)).isDirectory());
    expect(runDirs.length).toBe(1);
    expect(statSync(join(d.tmp, runDirs[0]!)).mode & 0o7777).toBe(0o700);
  });
});
