import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeModuleTree, type ModuleTreeFixture } from '../../src/kmod/test-fixtures.js';
import { assertBuilt, buildArgs, debianConfigWith, KV, lockFileOf, oneLineError, runCli, smallConf, snapshot, type BuildDirs } from './cli-harness.js';
import { TEST_KV_RE } from '../debian-kernel.js';


/**
 * Bad input, one case per test: each must end in one error line that names the problem and the
 * way out, a non-zero exit, and nothing written — the boot dir, the module tree and the temp
 * dir are compared by names, sizes and mtimes before and after.
 */
const MODULES = ['virtio_blk', 'ext4'];
let work: string;
let plain: ModuleTreeFixture;
let zstd: ModuleTreeFixture;
let zstdConfig: string;
let n = 0;

beforeAll(async () => {
  assertBuilt();
  work = mkdtempSync('/tmp/gk-faults-');
  [plain, zstd] = await Promise.all([makeModuleTree('none', MODULES), makeModuleTree('zstd', MODULES)]);
  zstdConfig = join(work, 'config-zstd');
  writeFileSync(zstdConfig, debianConfigWith(['CONFIG_MODULE_COMPRESS_ZSTD'], ['CONFIG_MODULE_COMPRESS_NONE']));
}, 120_000);

afterAll(async () => {
  await Promise.all([plain?.cleanup(), zstd?.cleanup()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A private copy of a fixture tree (cp -a keeps mtimes, so the copy's indexes stay current). */
function copyTree(from: ModuleTreeFixture): string {
  const dest = join(work, `prefix-${++n}`);
  execFileSync('cp', ['-a', from.baseDir, dest]);
  return dest;
}

/** Fresh dirs for one run: a boot dir holding a previous image and symlink, an empty temp dir. */
function dirs(prefix: string, extra: Partial<BuildDirs> = {}): BuildDirs {
  const root = join(work, `run-${++n}`);
  const boot = join(root, 'boot');
  mkdirSync(boot, { recursive: true });
  writeFileSync(join(boot, `initramfs-${KV}.img`), 'the previous image');
  symlinkSync(`initramfs-${KV}.img`, join(boot, 'initramfs'));
  mkdirSync(join(root, 'tmp'));
  return { conf: smallConf(join(root, 'genkernel.conf'), MODULES), prefix, boot, tmp: join(root, 'tmp'), log: join(root, 'log'), ...extra };
}

/** Runs the build and checks the whole contract; returns the error line for case-specific checks. */
function refused(d: BuildDirs, extra: string[] = [], args?: string[]): string {
  const before = { boot: snapshot(d.boot), tree: snapshot(d.prefix) };
  const r = runCli(args ?? buildArgs(d, extra));
  expect(r.code, r.stderr).not.toBe(0);
  const line = oneLineError(r);
  expect(snapshot(d.boot), 'boot dir changed').toEqual(before.boot);
  expect(snapshot(d.prefix), 'module tree changed').toEqual(before.tree);
  expect(readdirSync(d.tmp), 'temp files left').toEqual([]);
  expect(existsSync(lockFileOf(d.boot)), 'lock left behind').toBe(false);
  return line;
}

describe('bad input is refused with one line, and nothing is written', () => {
  it('baseline: the same small build succeeds (so the refusals below are about their one fault)', () => {
    const d = dirs(copyTree(plain));
    const tree = snapshot(d.prefix);
    const r = runCli(buildArgs(d));
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(d.boot, `initramfs-${KV}.img`)).subarray(0, 4)).toEqual(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]));
    expect(readFileSync(join(d.boot, `initramfs-${KV}.img.old`), 'utf8')).toBe('the previous image');
    expect(snapshot(d.prefix)).toEqual(tree);
    expect(readdirSync(d.tmp)).toEqual([]);
  });

  it('missing kernel source dir', () => {
    const d = dirs(copyTree(plain));
    const args = buildArgs(d).filter((a) => !a.startsWith('--kernel-version=')).concat(`--kerneldir=${join(work, 'no-linux')}`);
    expect(refused(d, [], args)).toMatch(/kernel source directory .*no-linux does not exist — pass --kerneldir=DIR/);
  });

  it('missing .config (no --kernel-config, none in the boot dir or the module dir)', () => {
    // A kernel version nobody has a config for (this host's /boot holds the Debian one).
    const prefix = copyTree(plain);
    execFileSync('mv', [join(prefix, 'lib/modules', KV), join(prefix, 'lib/modules/6.1.0-99-noconfig')]);
    const d = dirs(prefix);
    const args = buildArgs(d).filter((a) => !a.startsWith('--kernel-config=') && !a.startsWith('--kernel-version=')).concat('--kernel-version=6.1.0-99-noconfig');
    expect(refused(d, [], args)).toMatch(/no kernel config found for 6\.1\.0-99-noconfig .* — pass one with --kernel-config=FILE/);
  });

  it('a --kernel-config that does not exist', () => {
    const d = dirs(copyTree(plain), { config: join(work, 'nope.config') });
    expect(refused(d)).toMatch(/kernel config .*nope\.config does not exist — /);
  });

  it('missing module tree', () => {
    const empty = join(work, `empty-prefix-${++n}`);
    mkdirSync(empty);
    expect(refused(dirs(empty))).toMatch(new RegExp(`module directory .*lib/modules/${TEST_KV_RE} does not exist — check --kernel-modules-prefix`));
  });

  it('modules.dep missing: refused, not silently regenerated inside the user tree', () => {
    const prefix = copyTree(plain);
    rmSync(join(prefix, 'lib/modules', KV, 'modules.dep'));
    expect(refused(dirs(prefix))).toMatch(/modules\.dep.* — .*depmod/);
  });

  it('modules.dep empty', () => {
    const prefix = copyTree(plain);
    const dep = join(prefix, 'lib/modules', KV, 'modules.dep');
    const t = statSync(dep).mtime;
    writeFileSync(dep, '');
    utimesSync(dep, t, t);
    expect(refused(dirs(prefix))).toMatch(/modules\.dep is empty .* — .*depmod/);
  });

  it('modules.dep pointing at files that are not installed', () => {
    const prefix = copyTree(plain);
    const dep = join(prefix, 'lib/modules', KV, 'modules.dep');
    const t = statSync(dep).mtime;
    writeFileSync(dep, readFileSync(dep, 'utf8') + 'kernel/drivers/gone/ghost.ko:\n');
    utimesSync(dep, t, t);
    expect(refused(dirs(prefix))).toMatch(/modules\.dep lists 1 module files that are not installed, first kernel\/drivers\/gone\/ghost\.ko — .*depmod/);
  });

  it('a modules.dep entry that escapes the module dir (../)', () => {
    const prefix = copyTree(plain);
    const dep = join(prefix, 'lib/modules', KV, 'modules.dep');
    const t = statSync(dep).mtime;
    const text = readFileSync(dep, 'utf8').replace(/^(kernel\/drivers\/block\/virtio_blk\.ko:.*)$/m, '$1 ../../../../etc/evil.ko');
    expect(text).toContain('evil');
    writeFileSync(dep, text);
    utimesSync(dep, t, t);
    expect(refused(dirs(prefix))).toMatch(/lists "\.\.\/\.\.\/\.\.\/\.\.\/etc\/evil\.ko", which points outside .* — /);
  });

  it('a truncated .ko.zst', () => {
    const prefix = copyTree(zstd);
    const ko = join(prefix, 'lib/modules', KV, zstd.files.find((f) => f.includes('virtio_blk'))!);
    // A damaged file keeps its date (a bad sector, a cut copy): the index still looks current.
    const t = statSync(ko).mtime;
    truncateSync(ko, Math.floor(statSync(ko).size / 2));
    utimesSync(ko, t, t);
    expect(refused(dirs(prefix, { config: zstdConfig }))).toMatch(/virtio_blk\.ko\.zst: zstd data is truncated or corrupt .* — reinstall the kernel modules/);
  });

  it('an unknown module compression in the kernel config', () => {
    const cfg = join(work, 'config-lz4');
    writeFileSync(cfg, debianConfigWith(['CONFIG_MODULE_COMPRESS_LZ4'], ['CONFIG_MODULE_COMPRESS_NONE']));
    expect(refused(dirs(copyTree(plain), { config: cfg }))).toMatch(/sets CONFIG_MODULE_COMPRESS_LZ4=y, a module compression tsgenkernel does not know — choose one/);
  });

  it('a genkernel.conf syntax error names the file and line', () => {
    const d = dirs(copyTree(plain));
    writeFileSync(d.conf, '# my conf\nLUKS="yes"\nMAKEOPTS="-j2\n');
    const line = refused(d);
    expect(line).toContain(`${d.conf}:3: unterminated double quote`);
    expect(line).toMatch(/— fix line 3 of /);
  });

  it('an unknown option, with a suggestion', () => {
    const d = dirs(copyTree(plain));
    const r = runCli([...buildArgs(d), '--lukss']);
    expect(r.code).toBe(2);
    expect(oneLineError(r)).toMatch(/unknown option '--lukss'.*Did you mean --luks\?.* — see 'tsgenkernel initramfs --help'/);
    expect(readdirSync(d.tmp)).toEqual([]);
  });

  it('a bad value for a valued option', () => {
    const d = dirs(copyTree(plain));
    const r = runCli([...buildArgs(d), '--compress-initramfs-type=rar']);
    expect(r.code).toBe(2);
    expect(oneLineError(r)).toMatch(/rar.*Allowed choices/);
  });

  it('a module the user explicitly asked for (MODULES_/AMODULES_ in their conf) that does not exist is an error', () => {
    const d = dirs(copyTree(plain));
    smallConf(d.conf, MODULES, 'AMODULES_FS="ext44"');
    expect(refused(d)).toMatch(/asks for module ext44 \(AMODULES_FS\), which this kernel has neither in .* nor built in — check the spelling/);
  });

  it('a module of the shipped default groups that this kernel lacks is left out without a warning (named at debug level)', () => {
    const d = dirs(copyTree(plain));
    // The shipped MODULES_SATA names drivers this small tree does not have (ahci, sata_inic162x, ...).
    const conf = readFileSync(d.conf, 'utf8').replace(/^MODULES_SATA="".*\n/m, '');
    writeFileSync(d.conf, conf);
    const r = runCli(buildArgs(d));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/WARNING/);
    expect(readFileSync(d.log, 'utf8')).toMatch(/not built by this kernel, left out \(shipped module groups\): .*sata_inic162x/);
  });

  it('a non-root user is told to be root before any work starts', () => {
    const d = dirs(copyTree(plain));
    // nobody may write its temp dir and read everything, but not the root-owned boot dir.
    execFileSync('chmod', ['-R', 'a+rX', work]);
    execFileSync('chown', ['nobody', d.tmp]);
    const before = snapshot(d.boot);
    const r = runCli(buildArgs(d), { asUser: 'nobody' });
    expect(r.code).not.toBe(0);
    expect(oneLineError(r)).toMatch(/boot dir .* is not writable \(you are not root\) — run tsgenkernel as root/);
    // Before any work: no stage after the check ran (no depmod, no module selection output).
    expect(r.stderr).not.toMatch(/depmod|select-modules/);
    expect(snapshot(d.boot)).toEqual(before);
    expect(readdirSync(d.tmp)).toEqual([]);
  });

  it('a non-root user without --tmpdir is told to be root too', () => {
    const d = dirs(copyTree(plain));
    execFileSync('chmod', ['-R', 'a+rX', work]);
    const rootOnly = join(work, `root-only-${++n}`);
    mkdirSync(rootOnly, { mode: 0o700 });
    const args = buildArgs(d).filter((a) => !a.startsWith('--tmpdir=')).concat(`--tmpdir=${join(rootOnly, 'x')}`);
    const r = runCli(args, { asUser: 'nobody' });
    expect(r.code).not.toBe(0);
    expect(oneLineError(r)).toMatch(/cannot create the temp dir .*EACCES — run as root/);
  });

});

/**
 * A firmware dir with symlink loops (self -> ., sub/up -> ../sub, a -> b -> a). Decision: a loop
 * only stops the build when a firmware file the build needs goes through it (then it is the
 * one-line error); walking the dir (--all-firmware) copies links as links and never follows a
 * loop, and --firmware ignores loops no driver asks for. No case may hang.
 */
describe('a firmware dir with symlink loops', () => {
  let loopDir: string;
  beforeAll(() => {
    loopDir = join(work, 'fw loops');
    mkdirSync(join(loopDir, 'sub'), { recursive: true });
    writeFileSync(join(loopDir, 'good.bin'), 'firmware');
    symlinkSync('.', join(loopDir, 'self'));
    symlinkSync('../sub', join(loopDir, 'sub/up'));
    symlinkSync('b', join(loopDir, 'a'));
    symlinkSync('a', join(loopDir, 'b'));
  });

  it('--firmware --firmware-dir=LOOPDIR: a loop no driver needs does not stop the build', () => {
    const d = dirs(copyTree(plain));
    const r = runCli(buildArgs(d, ['--firmware', `--firmware-dir=${loopDir}`]));
    expect(r.code, r.stderr).toBe(0);
  });

  it('--all-firmware copies the links as links, without following the loops', () => {
    const d = dirs(copyTree(plain));
    const r = runCli(buildArgs(d, ['--all-firmware', `--firmware-dir=${loopDir}`]));
    expect(r.code, r.stderr).toBe(0);
    const listing = runCli(['inspect', join(d.boot, `initramfs-${KV}.img`)]).stdout;
    expect(listing).toMatch(/lib\/firmware\/good\.bin$/m);
    expect(listing).toMatch(/lib\/firmware\/self -> \.$/m);
    expect(listing).not.toMatch(/self\/self|sub\/up\//);
  });

  it('a requested firmware file that runs through a loop is refused, naming the loop', () => {
    const d = dirs(copyTree(plain));
    expect(refused(d, ['--firmware-files=a', `--firmware-dir=${loopDir}`])).toMatch(/firmware a in .*fw loops: symlink loop through a -> b -> a — fix or remove the looping symlink/);
  });
});

describe('paths with spaces and quotes work', () => {
  it(`builds with a --bootdir, --kernel-modules-prefix and --tmpdir holding spaces and quotes`, () => {
    const odd = join(work, `odd dir "q" it's $HOME`);
    mkdirSync(odd);
    const prefix = join(odd, 'mod prefix');
    execFileSync('cp', ['-a', plain.baseDir, prefix]);
    const boot = join(odd, 'boot dir');
    const tmp = join(odd, "tmp 'dir'");
    mkdirSync(boot);
    mkdirSync(tmp);
    const d: BuildDirs = { conf: smallConf(join(odd, 'gen kernel.conf'), MODULES), prefix, boot, tmp, log: join(odd, 'log file') };
    const r = runCli(buildArgs(d, ['--symlink']));
    expect(r.code, r.stderr).toBe(0);
    const img = join(boot, `initramfs-${KV}.img`);
    expect(statSync(img).size).toBeGreaterThan(100_000);
    const listing = runCli(['inspect', img]);
    expect(listing.code, listing.stderr).toBe(0);
    expect(listing.stdout).toMatch(new RegExp(String.raw`lib/modules/${TEST_KV_RE}/kernel/drivers/block/virtio_blk\.ko`));
    expect(readdirSync(tmp)).toEqual([]);
  });
});
