/**
 * The kernel commands (`all`, `kernel`, `bzImage`) before any compile: --dry-run says what would
 * be built and writes nothing, and a host that lacks a build prerequisite is told which one (and
 * the package that has it) before configure runs. A small stand-in source tree is enough: neither
 * path runs make.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeModuleTree, type ModuleTreeFixture } from '../../src/kmod/test-fixtures.js';
import { TEST_KV_RE } from '../debian-kernel.js';
import { assertBuilt, buildArgs, DEBIAN_CONFIG, debianConfigWith, oneLineError, runCli, smallConf, snapshot } from './cli-harness.js';

let work: string;
let tree: ModuleTreeFixture;
let src: string;

beforeAll(async () => {
  assertBuilt();
  work = mkdtempSync('/tmp/gk-kcmd-');
  tree = await makeModuleTree('none', ['virtio_blk', 'ext4']);
  // What kernelVersionFromSources reads: the top Makefile's version lines.
  src = join(work, 'linux');
  mkdirSync(src);
  writeFileSync(join(src, 'Makefile'), 'VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 999\nEXTRAVERSION = -dry\n');
}, 60_000);

afterAll(async () => {
  await tree?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

let n = 0;
function kernelArgs(command: string, extra: string[] = []): { args: string[]; boot: string; tmp: string } {
  const root = join(work, `run-${++n}`);
  const boot = join(root, 'boot');
  const tmp = join(root, 'tmp');
  for (const d of [boot, tmp]) mkdirSync(d, { recursive: true });
  const args = [
    command,
    `--config=${smallConf(join(root, 'genkernel.conf'), ['virtio_blk'])}`,
    `--kerneldir=${src}`,
    `--kernel-config=${DEBIAN_CONFIG}`,
    `--kernel-modules-prefix=${join(root, 'prefix')}`,
    `--bootdir=${boot}`,
    `--tmpdir=${tmp}`,
    `--logfile=${join(root, 'log')}`,
    `--cachedir=${join(root, 'cache')}`,
    '--no-mountboot',
    ...extra,
  ];
  return { args, boot, tmp };
}

describe('--dry-run on every command', () => {
  for (const command of ['all', 'kernel', 'bzImage']) {
    it(`${command} --dry-run names the kernel and its config, and writes nothing`, () => {
      const { args, boot, tmp } = kernelArgs(command, ['--dry-run']);
      const before = { src: snapshot(src), boot: snapshot(boot), tmp: snapshot(tmp) };
      const r = runCli(args);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/internal error/);
      expect(r.stdout).toMatch(/^kernel 6\.1\.999-dry \(/m);
      expect(r.stdout).toContain(`config ${DEBIAN_CONFIG}`);
      expect(r.stderr + r.stdout).toMatch(/would build 6\.1\.999-dry .*configured from .*--kernel-config/);
      if (command === 'all') expect(r.stdout).toMatch(/initramfs: planned after the compile/);
      expect(snapshot(src)).toEqual(before.src);
      expect(snapshot(boot)).toEqual(before.boot);
      expect(snapshot(tmp)).toEqual(before.tmp);
    });
  }

  it('initramfs --dry-run names the installed kernel and its modules', () => {
    const root = join(work, 'initramfs-dry');
    mkdirSync(root);
    const d = { conf: smallConf(join(root, 'genkernel.conf'), ['virtio_blk']), prefix: tree.baseDir, boot: join(root, 'boot'), tmp: join(root, 'tmp'), log: join(root, 'log') };
    for (const dir of [d.boot, d.tmp]) mkdirSync(dir, { recursive: true });
    // Run from an empty directory: a dry run must not write there either (relative temp paths).
    const cwd = join(root, 'cwd');
    mkdirSync(cwd);
    const r = runCli(buildArgs(d, ['--dry-run']), { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(cwd)).toEqual([]);
    expect(r.stdout).toMatch(new RegExp(`^kernel ${TEST_KV_RE} \\(`, 'm'));
    expect(r.stdout).toMatch(/virtio_blk\.ko/);
    expect(snapshot(d.boot)).toEqual({});
  });

  it('a dry run still refuses a module compression the host kmod cannot read', () => {
    const config = join(work, 'config-gzip');
    writeFileSync(config, debianConfigWith(['CONFIG_MODULE_COMPRESS_GZIP'], ['CONFIG_MODULE_COMPRESS_NONE']));
    const { args } = kernelArgs('kernel', ['--dry-run', `--kernel-config=${config}`]);
    const r = runCli(args);
    expect(r.code).not.toBe(0);
    expect(oneLineError(r)).toMatch(/gzip/);
  });
});

describe('kernel build prerequisites', () => {
  /** A PATH holding every program of the host's /usr/bin and /usr/sbin except `left`. */
  function pathWithout(left: string): string {
    const bin = join(work, `bin-without-${left}`);
    mkdirSync(bin, { recursive: true });
    for (const dir of ['/usr/sbin', '/usr/bin']) {
      for (const tool of readdirSync(dir)) {
        if (tool !== left && !existsSync(join(bin, tool))) symlinkSync(join(dir, tool), join(bin, tool));
      }
    }
    return bin;
  }

  for (const [missing, debian, gentoo] of [
    ['bc', 'bc', 'sys-devel/bc'],
    ['flex', 'flex', 'sys-devel/flex'],
    ['gcc', 'gcc', 'sys-devel/gcc'],
  ] as const) {
    it(`a host without ${missing} is told so, with the package, before configure writes anything`, () => {
      const { args, boot, tmp } = kernelArgs('kernel');
      const before = { src: snapshot(src), boot: snapshot(boot) };
      const r = runCli(args, { env: { PATH: pathWithout(missing) } });
      expect(r.code).not.toBe(0);
      const line = oneLineError(r);
      expect(line).toMatch(new RegExp(`needs what this host lacks: ${missing} \\(`));
      expect(line).toContain(`Debian ${debian}`);
      expect(line).toContain(`Gentoo ${gentoo}`);
      expect(snapshot(src)).toEqual(before.src);
      expect(snapshot(boot)).toEqual(before.boot);
      expect(snapshot(tmp)).toEqual({});
    });
  }

  it('check reports what a kernel build would lack, as a warning', () => {
    const { args } = kernelArgs('check');
    const r = runCli(args.filter((a) => !a.startsWith('--logfile') && !a.startsWith('--no-mountboot')), { env: { PATH: pathWithout('bison') } });
    expect(r.stdout).toMatch(/^warn kernel build: building .*linux needs what this host lacks: bison \(builds the config tools \(kconfig\)\): Debian bison, Gentoo sys-devel\/bison/m);
    const ok = runCli(args.filter((a) => !a.startsWith('--logfile') && !a.startsWith('--no-mountboot')));
    expect(ok.stdout).toMatch(/^ok {3}kernel build: .*linux: compiler, tools and headers present$/m);
  });
});
