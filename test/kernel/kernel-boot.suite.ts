/**
 * Boot proof for the kernel half (project issue 5): a real kernel is configured, compiled and
 * installed from Debian's linux-source-6.1 with the small config in boot-test.config.fragment
 * (virtio_pci, virtio_blk, ext4 as .ko.zst modules), and the installed vmlinuz plus the
 * initramfs `tsgenkernel all` builds for it must reach the root disk's sentinel under QEMU.
 *
 *  1. the four kernel stages run directly on a BuildContext (fresh O= tree: the full compile);
 *  2. `tsgenkernel all` runs on the same tree (--no-mrproper --no-clean, so make finds it
 *     built), installs over the first install (.old generation) and builds the initramfs;
 *  3. QEMU boots the installed pair.
 *
 * Every compile goes through distcc (KERNEL_CC="distcc gcc") to a distccd this suite starts on
 * loopback: the build farm path, proven by distccd's own log of the jobs it compiled. Then
 * --kerncache (a rerun restores instead of compiling, the packages deploy and boot) and last
 * --integrated-initramfs (the relinked bzImage boots with no -initrd).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../../src/pipeline.js';
import { createKernelConfigureStage } from '../../src/stages/kernel-configure.js';
import { kernelCompileStage } from '../../src/stages/kernel-compile.js';
import { createKernelInstallStage } from '../../src/stages/kernel-install.js';
import { modulesInstallStage } from '../../src/stages/modules-install.js';
import { bootFixture, REPO, type BootFixture } from '../boot/fixture.js';
import { ensureDist } from '../boot/build-image.js';
import { bootImage } from '../boot/qemu.js';
import { expectRealRoot, oneRootDisks, ROOT_DEVICE } from '../boot/one-root.js';
import { TEST_CACHEDIR, TEST_DISTDIR } from '../shared-cache.js';
import { disposeTestContexts, kernelTestContext } from './context.js';
import { linuxSourceTree, scratchDir } from './linux-source.js';
import { BOOT_TEST_FRAGMENT, expandConfigFragment } from './test-config.js';

let tree: string;
let work: string;
let fx: BootFixture;
const dirs = () => ({
  out: join(work, 'kbuild'),
  boot: join(work, 'boot'),
  prefix: join(work, 'modules-prefix'),
  etcKernels: join(work, 'etc-kernels'),
  config: join(work, 'boot-test.config'),
});
const report: string[] = [];
let kv = '';
let incremental = false;
/** Numbers bench/kernel.ts reports (the time of each kind of run, the package sizes). */
const facts: Record<string, number | string> = {};
const FACTS_FILE = process.env.TSGK_KERNEL_FACTS ?? '/var/tmp/tsgk-kernel/kernel-suite-facts.json';

/** The build farm of this suite: one distccd on loopback, only for 127.0.0.1. */
const DISTCC_CC = 'distcc gcc';
let distccd: ChildProcess | undefined;
let distccLog = '';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function startDistccd(dir: string): Promise<void> {
  const port = await freePort();
  distccLog = join(dir, 'distccd.log');
  const log = openSync(distccLog, 'a');
  distccd = spawn('distccd', ['--daemon', '--no-detach', '--listen', '127.0.0.1', '--allow', '127.0.0.1', '--port', String(port), '--log-stderr', '--log-level', 'info', '--jobs', '2'], {
    stdio: ['ignore', 'ignore', log],
  });
  for (let i = 0; i < 50 && !readFileSync(distccLog, 'utf8').includes('listening on'); i++) await new Promise((r) => setTimeout(r, 100));
  expect(readFileSync(distccLog, 'utf8'), 'distccd did not start').toContain('listening on');
  // Inherited by every make (through the CLI too): jobs go to the farm, never compiled here behind its back.
  process.env.DISTCC_HOSTS = `127.0.0.1:${port}`;
  process.env.DISTCC_FALLBACK = '0';
}

/** Jobs distccd finished (one COMPILE_OK line each). */
function distccJobs(): number {
  return (readFileSync(distccLog, 'utf8').match(/COMPILE_OK/g) ?? []).length;
}

beforeAll(async () => {
  tree = await linuxSourceTree();
  // TSGK_KERNEL_BOOT_WORK reuses (and keeps) a work dir: a rerun is then an incremental build.
  const reuse = process.env.TSGK_KERNEL_BOOT_WORK;
  work = reuse ?? (await scratchDir('boot-proof'));
  incremental = reuse !== undefined && existsSync(join(reuse, 'kbuild/.config'));
  const d = dirs();
  for (const p of [d.boot, d.prefix]) mkdirSync(p, { recursive: true });
  await expandConfigFragment(tree, BOOT_TEST_FRAGMENT, d.config);
  fx = bootFixture();
  await startDistccd(work);
});

afterAll(async () => {
  distccd?.kill();
  if (report.length) console.log(`kernel boot proof:\n  ${report.join('\n  ')}`);
  if (Object.keys(facts).length) writeFileSync(FACTS_FILE, JSON.stringify({ measuredAt: new Date().toISOString(), ...facts }, null, 2) + '\n');
  await disposeTestContexts();
  if (!process.env.TSGK_KERNEL_BOOT_WORK && work) await rm(work, { recursive: true, force: true });
});

function sizeOf(path: string): string {
  return `${(statSync(path).size / 1048576).toFixed(2)} MiB`;
}

describe('kernel half, stages called directly', () => {
  it('configures (forcing DEVTMPFS, RD_ZSTD and the microcode loader), compiles through distcc, installs and installs .ko.zst modules', async () => {
    const d = dirs();
    const t = await kernelTestContext({
      KERNEL_DIR: tree,
      KERNEL_OUTPUTDIR: d.out,
      KERNEL_CONFIG: d.config,
      KERNEL_MODULES_PREFIX: d.prefix,
      BOOTDIR: d.boot,
      COMPRESS_INITRD_TYPE: 'zstd',
      MAKEOPTS: '-j2',
      KERNEL_CC: DISTCC_CC,
      SAVE_CONFIG: true,
      ...(incremental ? { MRPROPER: false, CLEAN: false } : {}),
    });
    const isolated = { procConfig: join(work, 'none.gz'), runningBootDir: join(work, 'none'), runningRelease: 'none', etcKernelsDir: d.etcKernels };
    const started = performance.now();
    const timings = await runPipeline(t.ctx, [
      createKernelConfigureStage({ locations: isolated }),
      kernelCompileStage,
      createKernelInstallStage({ etcKernelsDir: d.etcKernels }),
      modulesInstallStage,
    ]);
    const total = performance.now() - started;
    for (const s of timings) report.push(`stage ${s.name}: ${(s.ms / 1000).toFixed(1)} s`);
    report.push(`kernel half total: ${(total / 1000).toFixed(1)} s (MAKEOPTS=-j2, nice 10, CC="${DISTCC_CC}"${incremental ? ', incremental' : ''})`);
    if (!incremental) facts.fullBuildSeconds = Number((total / 1000).toFixed(1));
    // Other work on the machine stretches the compile; the bench prints this beside it.
    facts.loadAverageAfterBuild = loadavg()[0]!.toFixed(1);

    // The fragment leaves out DEVTMPFS and RD_ZSTD (the initramfs needs them) and the microcode
    // loader (--microcode=all, the default, forces it as genkernel does); one line each.
    const forced = t.lines.filter((l) => /CONFIG_\w+=[ym] forced/.test(l));
    expect(forced.map((l) => /CONFIG_(\w+)=[ym]/.exec(l)?.[1]).sort()).toEqual(['DEVTMPFS', 'MICROCODE', 'MICROCODE_AMD', 'MICROCODE_INTEL', 'RD_ZSTD']);

    // The farm compiled them: distccd's log has a finished job per object it was sent.
    const jobs = distccJobs();
    report.push(`distcc: ${jobs} compile jobs done by the loopback distccd (DISTCC_FALLBACK=0)`);
    if (!incremental) expect(jobs).toBeGreaterThan(200);

    const k = t.ctx.kernel!;
    kv = k.version;
    expect(kv).toBe(readFileSync(join(d.out, 'include/config/kernel.release'), 'utf8').trim());
    expect(kv).toMatch(/^6\.1\.\d+-tsgk-test$/);
    expect(k.moduleCompression).toBe('zstd');
    expect(k.moduleDir).toBe(join(d.prefix, 'lib/modules', kv));

    const boot = readdirSync(d.boot).filter((n) => !n.endsWith('.old') && !n.startsWith('initramfs')).sort();
    expect(boot).toEqual([`System.map-${kv}`, `config-${kv}`, `vmlinuz-${kv}`]);
    expect(t.ctx.outputs.kernelImage).toBe(join(d.boot, `vmlinuz-${kv}`));
    expect(readFileSync(join(d.boot, `vmlinuz-${kv}`))).toEqual(readFileSync(join(d.out, 'arch/x86/boot/bzImage')));
    expect(existsSync(join(d.etcKernels, `kernel-config-${kv}`))).toBe(true);

    const modDir = k.moduleDir;
    const dep = readFileSync(join(modDir, 'modules.dep'), 'utf8');
    for (const m of ['kernel/drivers/block/virtio_blk.ko.zst', 'kernel/drivers/virtio/virtio_pci.ko.zst', 'kernel/fs/ext4/ext4.ko.zst']) {
      expect(dep).toContain(`${m}:`);
    }
    expect(readdirSync(join(d.prefix, 'lib/modules'))).toEqual([kv]);
    const kos = dep.split('\n').filter(Boolean).length;
    report.push(`bzImage ${sizeOf(join(d.boot, `vmlinuz-${kv}`))}, System.map ${sizeOf(join(d.boot, `System.map-${kv}`))}, ${kos} modules (.ko.zst, stripped), ext4.ko.zst ${sizeOf(join(modDir, 'kernel/fs/ext4/ext4.ko.zst'))}`);
  });
});

/**
 * `tsgenkernel all` on the tree the first test built (--no-mrproper --no-clean: make finds it
 * built), into the same boot dir and module prefix, timed into the report.
 */
function runAll(extra: string[], log: string, label: string) {
  const d = dirs();
  ensureDist();
  mkdirSync(join(work, 'tmp'), { recursive: true });
  const args = [
    'all',
    `--kerneldir=${tree}`,
    `--kernel-outputdir=${d.out}`,
    `--kernel-config=${d.config}`,
    `--bootdir=${d.boot}`,
    `--kernel-modules-prefix=${d.prefix}`,
    '--no-mountboot',
    '--no-mrproper',
    '--no-clean',
    '--no-save-config',
    '--makeopts=-j2',
    `--kernel-cc=${DISTCC_CC}`,
    '--compress-initramfs-type=zstd',
    `--tmpdir=${join(work, 'tmp')}`,
    // The suite's global setup fills this cache, so the suite runs alone on a fresh machine.
    `--cachedir=${TEST_CACHEDIR}`,
    `--distdir=${TEST_DISTDIR}`,
    `--logfile=${join(work, log)}`,
    ...extra,
  ];
  const started = performance.now();
  const res = spawnSync(join(REPO, 'bin', 'tsgenkernel'), args, { cwd: REPO, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 3_000_000 });
  const seconds = Number(((performance.now() - started) / 1000).toFixed(1));
  report.push(`${label}: ${seconds} s, exit ${res.status}`);
  return Object.assign(res, { seconds });
}

describe('tsgenkernel all on the built tree', () => {
  it('installs the kernel and an initramfs that boot to the root disk in QEMU', async () => {
    expect(kv, 'the stage test above must have built the kernel').not.toBe('');
    const d = dirs();
    const res = runAll([], 'all.log', 'tsgenkernel all (built tree)');
    expect(res.status, `${res.stdout}${res.stderr}`).toBe(0);
    facts.allOnBuiltTreeSeconds = res.seconds;

    const boot = readdirSync(d.boot);
    // The second install of the same KV keeps the first as .old.
    expect(boot).toContain(`vmlinuz-${kv}.old`);
    const initramfs = boot.find((n) => n.startsWith('initramfs') && n.includes(kv) && !n.endsWith('.old'));
    expect(initramfs, boot.join(' ')).toBeDefined();
    report.push(`initramfs ${initramfs}: ${sizeOf(join(d.boot, initramfs!))}`);

    const r = await bootImage({
      kernel: join(d.boot, `vmlinuz-${kv}`),
      initramfs: join(d.boot, initramfs!),
      disks: oneRootDisks(fx),
      append: `root=${ROOT_DEVICE}`,
      timeoutMs: 120_000,
    });
    report.push(`QEMU boot: ${r.reachedRoot ? `root reached in ${r.ms} ms` : 'root NOT reached'}, QEMU exited after ${r.totalMs} ms${r.timedOut ? ' (timed out)' : ''}`);
    expectRealRoot(r);
    expect(r.output).toContain(`Linux version ${kv}`);
    // The root disk's init lists the loaded modules: the initramfs loaded our .ko.zst builds.
    const mods = /TSGK-MODULES: (.*)/.exec(r.output)?.[1] ?? '';
    for (const m of ['virtio_blk', 'ext4']) expect(mods).toContain(m);
    expect(r.timedOut).toBe(false);
  });
});

describe('--kerncache on the built tree, then deploy the packages (issue 18)', () => {
  it('a rerun with the same sources and config skips the compile; the packages unpacked elsewhere boot', async () => {
    expect(kv, 'the stage test above must have built the kernel').not.toBe('');
    const cache = join(work, 'kerncache.tar.zst');
    const run = (extra: string[], log: string) => {
      const res = runAll([`--kerncache=${cache}`, ...extra], log, `tsgenkernel all --kerncache (${log})`);
      expect(res.status, `${res.stdout}${res.stderr}`).toBe(0);
      facts[log === 'kerncache-hit.log' ? 'allWithValidKerncacheSeconds' : 'allWritingKerncacheSeconds'] = res.seconds;
      return `${res.stdout}${res.stderr}${readFileSync(join(work, log), 'utf8')}`;
    };
    // 1. Writes the cache (make finds the tree built).
    run([], 'kerncache-write.log');
    expect(existsSync(cache)).toBe(true);
    report.push(`kerncache: ${sizeOf(cache)}`);
    facts.kerncacheBytes = statSync(cache).size;
    // 2. Same sources and config: restored, not compiled; the packages are written on the way.
    const minkern = join(work, 'minkern.tar.xz');
    const modules = join(work, 'modules.tar.zst');
    const second = run([`--minkernpackage=${minkern}`, `--modulespackage=${modules}`], 'kerncache-hit.log');
    expect(second).toMatch(/kernel compile skipped/);
    expect(second).not.toMatch(/kernel-compile\s+\d+\.\d+s/);
    report.push(`minkernpackage ${sizeOf(minkern)}, modulespackage ${sizeOf(modules)}`);
    facts.minkernpackageBytes = statSync(minkern).size;
    facts.modulespackageBytes = statSync(modules).size;

    // 3. Deploy onto a "second machine" and boot what was unpacked there.
    const m2 = join(work, 'machine2');
    mkdirSync(join(m2, 'boot'), { recursive: true });
    mkdirSync(join(m2, 'root'), { recursive: true });
    spawnSync('tar', ['-xf', minkern, '-C', join(m2, 'boot')]);
    spawnSync('tar', ['-xf', modules, '-C', join(m2, 'root')]);
    const arch = spawnSync('uname', ['-m'], { encoding: 'utf8' }).stdout.trim();
    expect(existsSync(join(m2, 'root/lib/modules', kv, 'modules.dep'))).toBe(true);
    const r = await bootImage({
      kernel: join(m2, 'boot', `kernel-${arch}-${kv}`),
      initramfs: join(m2, 'boot', `initramfs-${arch}-${kv}`),
      disks: oneRootDisks(fx),
      append: `root=${ROOT_DEVICE}`,
      timeoutMs: 120_000,
    });
    report.push(`deployed boot: ${r.reachedRoot ? `root reached in ${r.ms} ms` : 'root NOT reached'}`);
    expectRealRoot(r);
    expect(r.output).toContain(`Linux version ${kv}`);
  });
});

describe('--integrated-initramfs on the built tree (issue 18)', () => {
  it('relinks the kernel with the initramfs inside; the single bzImage boots with no -initrd', async () => {
    expect(kv, 'the stage test above must have built the kernel').not.toBe('');
    const d = dirs();
    const before = statSync(join(d.boot, `vmlinuz-${kv}`)).size;
    const res = runAll(['--integrated-initramfs'], 'integrated.log', 'tsgenkernel all --integrated-initramfs');
    expect(res.status, `${res.stdout}${res.stderr}`).toBe(0);
    facts.integratedSeconds = res.seconds;
    const log = `${res.stdout}${res.stderr}${readFileSync(join(work, 'integrated.log'), 'utf8')}`;
    expect(log).toMatch(/kernel-integrate-initramfs/);
    // No separate initramfs was installed by this run: it is inside the kernel.
    expect(log).not.toMatch(/install-initramfs\s+\d/);
    const config = readFileSync(join(d.out, '.config'), 'utf8');
    expect(config).toContain(`CONFIG_INITRAMFS_SOURCE="${join(d.out, 'tsgk-initramfs.cpio')}"`);
    expect(config).toContain('CONFIG_INITRAMFS_COMPRESSION_ZSTD=y');

    const kernel = join(d.boot, `vmlinuz-${kv}`);
    const after = statSync(kernel).size;
    report.push(`integrated bzImage ${sizeOf(kernel)} (was ${(before / 1048576).toFixed(2)} MiB without the initramfs)`);
    expect(after).toBeGreaterThan(before + 1_000_000);
    const r = await bootImage({ kernel, disks: oneRootDisks(fx), append: `root=${ROOT_DEVICE}`, timeoutMs: 120_000 });
    report.push(`integrated boot (no -initrd): ${r.reachedRoot ? `root reached in ${r.ms} ms` : 'root NOT reached'}`);
    expectRealRoot(r);
    expect(r.output).toContain(`Linux version ${kv}`);
    const mods = /TSGK-MODULES: (.*)/.exec(r.output)?.[1] ?? '';
    for (const m of ['virtio_blk', 'ext4']) expect(mods).toContain(m);
  });
});
