/**
 * A rebuild takes the module plan, the staged module tree and every compressed segment from the
 * build caches (issue 17), and its image is byte-identical to a build without them. Each input
 * those caches stand for invalidates them when it changes: modules.dep, a module file, a conf
 * key that selects modules; and a cache entry that is damaged or owned by another user is not
 * used but built again. The module tree is a private copy of the boot fixture's .ko.zst tree, so
 * the decompress-and-stage path is the one cached; the cache dir is private (the static tools
 * copied in), so what is "from the cache" is this file's doing alone.
 */
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chownSync, cpSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { bootFixture, REPO, type BootFixture } from '../boot/fixture.js';
import { ensureDist } from '../boot/build-image.js';
import { scratchDir } from './trees.js';
import { detailedListing } from './listing.js';
import { TEST_CACHEDIR, TEST_DISTDIR } from '../shared-cache.js';

const EPOCH = '1700000000';
const NOBODY = 65534;

let fx: BootFixture;
let scratch: string;
let prefix: string;
let moduleDir: string;
let cachedir: string;
let n = 0;

interface Built {
  bytes: Buffer;
  output: string;
}

function build(conf = '# only defaults\n', cache = cachedir): Built {
  const work = join(scratch, `build-${++n}`);
  const boot = join(work, 'boot');
  mkdirSync(boot, { recursive: true });
  writeFileSync(join(work, 'genkernel.conf'), conf);
  const res = spawnSync(
    join(REPO, 'bin', 'tsgenkernel'),
    [
      'initramfs',
      `--config=${join(work, 'genkernel.conf')}`,
      `--kernel-version=${fx.kv}`,
      `--kernel-modules-prefix=${prefix}`,
      `--kernel-config=${fx.zstdConfig}`,
      `--bootdir=${boot}`,
      '--no-mountboot',
      `--tmpdir=${join(work, 'tmp')}`,
      `--cachedir=${cache}`,
      `--distdir=${TEST_DISTDIR}`,
      '--loglevel=2',
    ],
    { encoding: 'utf8', env: { ...process.env, SOURCE_DATE_EPOCH: EPOCH, NO_COLOR: '1' }, maxBuffer: 64 << 20, timeout: 900_000 },
  );
  const output = `${res.stdout ?? ''}${res.stderr ?? ''}`;
  if (res.status !== 0) throw new Error(`build ${n} failed (exit ${res.status}):\n${output}`);
  const image = readdirSync(boot).find((e) => e.startsWith('initramfs') && lstatSync(join(boot, e)).isFile());
  return { bytes: readFileSync(join(boot, image!)), output };
}

/** A cache dir with the static tools (and converted keymaps) only: no plans, staged trees or segments. */
function freshCache(name: string): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  for (const sub of ['gkbuild', 'keymaps']) {
    try {
      cpSync(join(TEST_CACHEDIR, sub), join(dir, sub), { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    } catch {
      // not there yet: the build makes it
    }
  }
  return dir;
}

const fromCache = (b: Built) => ({
  plan: /plan from the cache/.test(b.output),
  staged: /staged tree from the cache/.test(b.output),
  segments: /(\d+) of (\d+) segments from the cache/.exec(b.output)?.slice(1).map(Number),
});

function depmod(): void {
  const r = spawnSync('depmod', ['-b', prefix, fx.kv], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`depmod: ${r.stderr}`);
}

const entries = (dir: string): string[] => readdirSync(dir).map((e) => join(dir, e));

let scratchBuild: Built;

beforeAll(() => {
  ensureDist();
  fx = bootFixture();
  scratch = scratchDir('tsgk-rebuild-');
  prefix = join(scratch, 'modules-prefix');
  moduleDir = join(prefix, 'lib', 'modules', fx.kv);
  cpSync(join(fx.zstdModulesPrefix, 'lib', 'modules', fx.kv), moduleDir, { recursive: true });
  depmod();
  cachedir = freshCache('cache');
  scratchBuild = build();
}, 900_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('rebuild caches', () => {
  test('the first build uses no cache; the rebuild takes everything from them and is byte-identical', () => {
    expect(fromCache(scratchBuild)).toMatchObject({ plan: false, staged: false, segments: [0, expect.any(Number)] });
    const again = build();
    const c = fromCache(again);
    expect(c).toMatchObject({ plan: true, staged: true });
    expect(c.segments![0]).toBe(c.segments![1]);
    expect(again.bytes.equals(scratchBuild.bytes)).toBe(true);
  }, 900_000);

  test('a conf key that changes no module keeps the module caches', () => {
    const b = build('# a comment and a setting outside the modules\nKEYMAP="no"\n');
    expect(fromCache(b)).toMatchObject({ plan: true, staged: true });
  }, 900_000);

  test('modules.dep written again: the plan is resolved again, the image stays the same', () => {
    depmod();
    const b = build();
    expect(fromCache(b).plan).toBe(false);
    expect(b.bytes.equals(scratchBuild.bytes)).toBe(true);
  }, 900_000);

  test('a module file reinstalled (same bytes, new ctime; depmod run after it): staged again, the image stays the same', () => {
    const ext4 = join(moduleDir, 'kernel', 'fs', 'ext4', 'ext4.ko.zst');
    writeFileSync(ext4, readFileSync(ext4));
    depmod();
    const b = build();
    expect(fromCache(b).staged).toBe(false);
    expect(b.bytes.equals(scratchBuild.bytes)).toBe(true);
    expect(fromCache(build()).staged).toBe(true);
  }, 900_000);

  test('a conf key that adds a module: new plan, new staged tree, the module in the image, and equal to a build without caches', async () => {
    const listed = (await detailedListing(scratchBuildImage())).join('\n');
    const extra = readFileSync(join(moduleDir, 'modules.dep'), 'utf8')
      .split('\n')
      .map((l) => l.split(':')[0]!)
      .filter((p) => p.endsWith('.ko.zst') && !listed.includes(p.replace(/\.zst$/, '')))
      .map((p) => p.split('/').pop()!.replace(/\.ko\.zst$/, ''))
      .sort()[0]!;
    expect(extra).toBeTruthy();
    const conf = `AMODULES_VIRTIO="${extra}"\n`;
    const b = build(conf);
    expect(fromCache(b)).toMatchObject({ plan: false, staged: false });
    const noCaches = build(conf, freshCache('cache-scratch-2'));
    expect(b.bytes.equals(noCaches.bytes)).toBe(true);
    expect(b.bytes.equals(scratchBuild.bytes)).toBe(false);
  }, 900_000);

  test('damaged or foreign-owned cache entries are not used: built again, same image', () => {
    build(); // the default plan and tree are the newest again
    const newest = (dir: string) => entries(dir).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]!;
    const plan = newest(join(cachedir, 'module-plans'));
    const bytes = readFileSync(plan);
    bytes[bytes.length - 2] = bytes[bytes.length - 2]! ^ 0xff;
    writeFileSync(plan, bytes);
    const tree = newest(join(cachedir, 'staged-modules'));
    chownSync(join(tree, 'lib', 'modules', fx.kv, 'modules.dep'), NOBODY, NOBODY);
    const b = build();
    expect(fromCache(b)).toMatchObject({ plan: false, staged: false });
    expect(b.output).toMatch(/failed the trust rule; staged again/);
    expect(b.bytes.equals(scratchBuild.bytes)).toBe(true);
    expect(fromCache(build())).toMatchObject({ plan: true, staged: true });
  }, 900_000);
});

let imagePath: string | undefined;
function scratchBuildImage(): string {
  imagePath ??= join(scratch, 'scratch.img');
  writeFileSync(imagePath, scratchBuild.bytes);
  return imagePath;
}
