/**
 * Two builds with the same SOURCE_DATE_EPOCH are byte-identical (issue 8), even when all that
 * should not matter differs: the --tmpdir, the path of the module tree, the order its files
 * were created in (so the order directories list them), their mtimes, the creation order and
 * mtimes of an --initramfs-overlay dir, and the umask of the user who builds. The module tree is
 * the boot fixture's .ko.zst copy, so the parallel decompression and depmod of the staged tree
 * are part of what must be stable.
 */
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { bootFixture, REPO, type BootFixture } from '../boot/fixture.js';
import { ensureDist } from '../boot/build-image.js';
import { copyTreeInOrder, readdirOrder, scratchDir, writeOverlay, type Order } from './trees.js';
import { detailedListing, firstDifferences, firstDifferentByte } from './listing.js';
import { TEST_CACHEDIR, TEST_DISTDIR } from '../shared-cache.js';

const EPOCH = '1700000000';

interface Variant {
  prefix: string;
  overlay: string;
  tmp: string;
}

let fx: BootFixture;
let scratch: string;
let a: Variant;
let b: Variant;

/** The tree under two prefixes in opposite creation orders and with different mtimes, indexed by depmod. */
function makeVariant(name: string, order: Order, mtime: number, tmpDepth: string[]): Variant {
  const prefix = join(scratch, name, 'modules-prefix');
  const moduleDir = join(prefix, 'lib', 'modules', fx.kv);
  copyTreeInOrder(join(fx.zstdModulesPrefix, 'lib', 'modules', fx.kv), moduleDir, order, mtime);
  const depmod = spawnSync('depmod', ['-b', prefix, fx.kv], { encoding: 'utf8' });
  if (depmod.status !== 0) throw new Error(`depmod -b ${prefix}: ${depmod.stderr}`);
  const overlay = join(scratch, name, 'overlay');
  mkdirSync(overlay, { recursive: true });
  writeOverlay(overlay, order, mtime);
  const tmp = join(scratch, name, ...tmpDepth);
  mkdirSync(tmp, { recursive: true });
  return { prefix, overlay, tmp };
}

interface Built {
  image: string;
  output: string;
}

/** `umask` (octal text) is set in a shell that then execs the CLI, as a user's login shell would. */
function build(v: Variant, label: string, extra: string[], umask?: string): Built {
  const work = join(scratch, 'builds', label);
  rmSync(work, { recursive: true, force: true });
  const boot = join(work, 'boot');
  mkdirSync(boot, { recursive: true });
  const conf = join(work, 'genkernel.conf');
  writeFileSync(conf, '# empty: only defaults and the command line count\n');
  const args = [
    'initramfs',
    `--config=${conf}`,
    `--kernel-version=${fx.kv}`,
    `--kernel-modules-prefix=${v.prefix}`,
    `--kernel-config=${fx.zstdConfig}`,
    `--bootdir=${boot}`,
    '--no-mountboot',
    `--tmpdir=${v.tmp}`,
    `--cachedir=${TEST_CACHEDIR}`,
    `--distdir=${TEST_DISTDIR}`,
    `--initramfs-overlay=${v.overlay}`,
    ...extra,
  ];
  const bin = join(REPO, 'bin', 'tsgenkernel');
  const [cmd, argv] = umask ? ['sh', ['-c', 'umask "$1"; shift; exec "$@"', 'sh', umask, bin, ...args]] : [bin, args];
  const res = spawnSync(cmd, argv, {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, SOURCE_DATE_EPOCH: EPOCH, NO_COLOR: '1' },
    maxBuffer: 64 << 20,
    timeout: 900_000,
  });
  const output = `${res.stdout ?? ''}${res.stderr ?? ''}`;
  if (res.status !== 0) throw new Error(`build ${label} failed (exit ${res.status}):\n${output}`);
  const images = readdirSync(boot).filter((e) => e.startsWith('initramfs') && lstatSync(join(boot, e)).isFile());
  if (images.length !== 1) throw new Error(`build ${label}: expected one image in ${boot}, got ${images.join(', ')}`);
  return { image: join(boot, images[0]!), output };
}

function inspectListing(image: string): string[] {
  const res = spawnSync(join(REPO, 'bin', 'tsgenkernel'), ['inspect', image], { encoding: 'utf8', maxBuffer: 64 << 20 });
  // The first line names the image's own path, which differs by design.
  return res.stdout.split('\n').slice(1);
}

async function expectIdentical(x: Built, y: Built): Promise<void> {
  const bx = readFileSync(x.image);
  const by = readFileSync(y.image);
  const hx = createHash('sha256').update(bx).digest('hex');
  const hy = createHash('sha256').update(by).digest('hex');
  if (hx === hy) return;
  const lx = await detailedListing(x.image);
  const ly = await detailedListing(y.image);
  const entryDiff = firstDifferences(lx, ly);
  const inspectDiff = firstDifferences(inspectListing(x.image), inspectListing(y.image));
  expect.fail(
    [
      `images differ: ${x.image} (${bx.length} bytes, sha256 ${hx}) vs ${y.image} (${by.length} bytes, sha256 ${hy}); first differing byte at ${firstDifferentByte(bx, by)}`,
      entryDiff ? `entries that differ:\n${entryDiff}` : 'every entry (mode, owner, mtime, nlink, size, content) is equal: the difference is in headers not listed (inode numbers, order of equal names) or in the compression',
      inspectDiff ? `tsgenkernel inspect differs:\n${inspectDiff}` : '',
    ].join('\n'),
  );
}

beforeAll(() => {
  ensureDist();
  fx = bootFixture();
  scratch = scratchDir('tsgk-repro-');
  a = makeVariant('a', 'forward', 1_600_000_000, ['tmp']);
  b = makeVariant('b', 'reverse', 1_234_567_890, ['a', 'much', 'longer', 'tmp', 'path']);
}, 900_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('reproducible images', () => {
  test('the two inputs really differ in directory order and mtimes (else the test proves nothing)', () => {
    const dir = (v: Variant) => join(v.prefix, 'lib', 'modules', fx.kv, 'kernel', 'drivers', 'net', 'ethernet');
    expect(readdirOrder(dir(a))).not.toEqual(readdirOrder(dir(b)));
    expect(readdirOrder(join(a.overlay, 'etc', 'repro'))).not.toEqual(readdirOrder(join(b.overlay, 'etc', 'repro')));
    const mtime = (v: Variant) => lstatSync(join(v.prefix, 'lib', 'modules', fx.kv, 'kernel', 'fs', 'ext4', 'ext4.ko.zst')).mtimeMs;
    expect(mtime(a)).not.toBe(mtime(b));
  });

  test('default build (zstd, modules decompressed in parallel): byte-identical', async () => {
    const x = build(a, 'zstd-a', []);
    const y = build(b, 'zstd-b', []);
    // The overlay made it in, or the overlay half of this test would be empty.
    expect(await detailedListing(x.image)).toEqual(expect.arrayContaining([expect.stringMatching(/ etc\/repro\/b\.conf$/)]));
    await expectIdentical(x, y);
  }, 900_000);

  test('modules kept as .ko.zst: byte-identical', async () => {
    await expectIdentical(build(a, 'kept-a', ['--no-decompress-modules']), build(b, 'kept-b', ['--no-decompress-modules']));
  }, 900_000);

  test('gzip (its header has an mtime field): byte-identical', async () => {
    const gz = ['--compress-initramfs-type=gzip', '--compress-level=1'];
    await expectIdentical(build(a, 'gzip-a', gz), build(b, 'gzip-b', gz));
  }, 900_000);

  test('the builder\'s umask (022 vs 077) does not leak into the modes in the image', async () => {
    await expectIdentical(build(a, 'umask-022', [], '022'), build(b, 'umask-077', [], '077'));
  }, 900_000);

  test('a second build from the same inputs, same SOURCE_DATE_EPOCH: byte-identical', async () => {
    const first = build(a, 'again-1', []);
    const keep = join(scratch, 'again-1.img');
    cpSync(first.image, keep);
    const second = build(a, 'again-2', []);
    await expectIdentical({ image: keep, output: first.output }, second);
  }, 900_000);
});
