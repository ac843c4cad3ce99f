import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KernelConfig } from '../kernel/kconfig.js';
import { makeModuleTree, type ModuleTreeFixture } from '../kmod/test-fixtures.js';
import { configDigest, judgeKerncache, writeKerncache, type KerncacheIdentity } from '../package/kerncache.js';
import { assertBuilt, buildArgs, DEBIAN_CONFIG, KV, oneLineError, runCli, smallConf, snapshot, type BuildDirs } from '../../test/faults/cli-harness.js';
import { TEST_KERNEL_IMAGE } from '../../test/debian-kernel.js';
import { disposeTestContexts, kernelTestContext } from '../../test/kernel/context.js';
import { kerncacheWriteStage } from './kerncache.js';
import { kerncacheMatchStage } from './kerncache-match.js';
import { kernelCompileStage } from './kernel-compile.js';
import { modulesInstallStage } from './modules-install.js';

/**
 * --kerncache with --no-kernel-sources, through the real CLI: a cache holding Debian's installed
 * kernel and a small real module tree stands in for the one an earlier `all --kerncache` wrote.
 */
const MODULES = ['virtio_blk', 'ext4'];
const ARCH = execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim();
const GCC = execFileSync('gcc', ['--version'], { encoding: 'utf8' }).split('\n')[0]!.trim();
let work: string;
let tree: ModuleTreeFixture;
let cache: string;
const id = (): KerncacheIdentity => ({ arch: ARCH, sourceVersion: KV, configDigest: configDigest(readFileSync(DEBIAN_CONFIG, 'utf8')), toolchain: GCC });

beforeAll(async () => {
  assertBuilt();
  work = mkdtempSync('/tmp/gk-kerncache-');
  tree = await makeModuleTree('none', MODULES);
  cache = join(work, 'kerncache.tar.zst');
  await writeKerncache(cache, id(), { kernelImage: TEST_KERNEL_IMAGE, systemMap: `/boot/System.map-${KV}`, configPath: DEBIAN_CONFIG, moduleDir: join(tree.baseDir, 'lib/modules', KV) });
}, 120_000);

afterAll(async () => {
  await tree?.cleanup();
  await disposeTestContexts();
  if (work) rmSync(work, { recursive: true, force: true });
});

let n = 0;
function dirs(): BuildDirs {
  const root = join(work, `run-${++n}`);
  const d: BuildDirs = { conf: '', prefix: join(root, 'root'), boot: join(root, 'boot'), tmp: join(root, 'tmp'), log: join(root, 'log') };
  for (const x of [root, d.prefix, d.boot, d.tmp]) mkdirSync(x, { recursive: true });
  d.conf = smallConf(join(root, 'genkernel.conf'), MODULES);
  return d;
}

/** `all --no-kernel-sources`: no --kernel-version, no sources, no config given. */
function allFromCache(d: BuildDirs, extra: string[]): string[] {
  const initramfsArgs = buildArgs(d).slice(1).filter((a) => !a.startsWith('--kernel-version=') && !a.startsWith('--kernel-config='));
  return ['all', ...initramfsArgs, '--no-kernel-sources', '--no-save-config', `--kerneldir=${join(work, 'no-sources-here')}`, ...extra];
}

describe('--kerncache', () => {
  it('--no-kernel-sources installs kernel, modules and a new initramfs from a valid cache', () => {
    const d = dirs();
    const r = runCli(allFromCache(d, [`--kerncache=${cache}`]));
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout + r.stderr + readFileSync(d.log, 'utf8')).toMatch(/valid kerncache .* found: no sources used/);
    expect(readFileSync(join(d.boot, `vmlinuz-${KV}`)).equals(readFileSync(TEST_KERNEL_IMAGE))).toBe(true);
    expect(existsSync(join(d.boot, `initramfs-${KV}.img`))).toBe(true);
    expect(existsSync(join(d.prefix, 'lib/modules', KV, 'modules.dep'))).toBe(true);
    // No unpack dir left beside the module tree.
    expect(execFileSync('ls', ['-A', join(d.prefix, 'lib/modules')], { encoding: 'utf8' }).trim()).toBe(KV);
  });

  it('--no-kernel-sources without a cache, or with one for another arch: one line, nothing touched', async () => {
    const other = join(work, 'other-arch.tar');
    await writeKerncache(other, { ...id(), arch: 'aarch64' }, { kernelImage: TEST_KERNEL_IMAGE, systemMap: `/boot/System.map-${KV}`, configPath: DEBIAN_CONFIG });
    for (const [extra, msg] of [
      [[], /needs a kernel cache/],
      [[`--kerncache=${other}`], /is for aarch64, this build is/],
      [[`--kerncache=${join(work, 'missing.tar')}`], /does not exist yet/],
    ] as const) {
      const d = dirs();
      const before = [snapshot(d.boot), snapshot(d.prefix)];
      const r = runCli(allFromCache(d, [...extra]));
      expect(r.code).not.toBe(0);
      expect(oneLineError(r)).toMatch(msg);
      expect([snapshot(d.boot), snapshot(d.prefix)]).toEqual(before);
    }
  });

  it('the write stage records what a later run compares: the cache it writes is judged the same', async () => {
    const t = await kernelTestContext({ KERNCACHE: join(work, 'written.tar') });
    t.ctx.kernel = {
      version: KV,
      arch: ARCH,
      config: await KernelConfig.load(DEBIAN_CONFIG),
      configPath: DEBIAN_CONFIG,
      moduleDir: join(tree.baseDir, 'lib/modules', KV),
      moduleCompression: 'none',
    };
    t.ctx.outputs.kernelImage = TEST_KERNEL_IMAGE;
    t.ctx.outputs.systemMap = `/boot/System.map-${KV}`;
    await kerncacheWriteStage.run(t.ctx);
    const v = await judgeKerncache(join(work, 'written.tar'), id());
    expect(v.use, v.use ? '' : v.reason).toBe(true);
    if (v.use) expect(v.members.some((m) => m.header.name === `lib/modules/${KV}/modules.dep`)).toBe(true);
  });

  /** A context as configure leaves it: the effective config and KV known, nothing compiled. */
  async function configured(config: string) {
    const prefix = mkdtempSync(join(work, 'prefix-'));
    const t = await kernelTestContext({ KERNCACHE: cache, KERNEL_MODULES_PREFIX: prefix }, 'all');
    mkdirSync(t.ctx.paths.tmp, { recursive: true });
    t.ctx.kernel = {
      version: KV,
      arch: ARCH,
      config: await KernelConfig.load(config),
      configPath: config,
      moduleDir: join(prefix, 'lib/modules', KV),
      moduleCompression: 'none',
    };
    return { t, prefix };
  }

  it('same sources, config and toolchain: compile and modules_install skipped, kernel and modules restored', async () => {
    const { t, prefix } = await configured(DEBIAN_CONFIG);
    const detail = await kerncacheMatchStage.run(t.ctx);
    expect(detail).toMatch(/^compile skipped/);
    expect(t.lines.join('\n')).toMatch(/matches sources, config and toolchain: kernel compile skipped/);
    expect(kernelCompileStage.enabled(t.ctx)).toBe(false);
    expect(modulesInstallStage.enabled(t.ctx)).toBe(false);
    expect(kerncacheWriteStage.enabled(t.ctx)).toBe(false);
    expect(readFileSync(t.ctx.outputs.kernelImage!).equals(readFileSync(TEST_KERNEL_IMAGE))).toBe(true);
    expect(existsSync(join(prefix, 'lib/modules', KV, 'modules.dep'))).toBe(true);
  });

  it('another effective config: one line, then the normal build; nothing restored', async () => {
    const other = join(work, 'other.config');
    writeFileSync(other, readFileSync(DEBIAN_CONFIG, 'utf8') + 'CONFIG_TSGK_EXTRA=y\n');
    const { t, prefix } = await configured(other);
    expect(await kerncacheMatchStage.run(t.ctx)).toBe('no match: compiling');
    expect(t.lines.filter((l) => /kerncache/.test(l))).toHaveLength(1);
    expect(t.lines.join('\n')).toMatch(/built from another kernel config; building normally/);
    expect(kernelCompileStage.enabled(t.ctx)).toBe(true);
    expect(existsSync(join(prefix, 'lib/modules'))).toBe(false);
  });
});
