/**
 * Which config the configure stage starts from, said on its first line, and the stop when the
 * tree's own .config differs from it. Small fake source trees (a Makefile and a .config): every
 * case here ends before the first make runs.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GkError } from '../errors.js';
import { disposeTestContexts, kernelTestContext } from '../../test/kernel/context.js';
import { createKernelConfigureStage } from './kernel-configure.js';
import { localVersion } from '../kernel/starting-config.js';
import type { ConfigLocations } from '../kernel/config-source.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsgk-cfgchoice-'));
});
afterAll(async () => {
  await disposeTestContexts();
  await rm(dir, { recursive: true, force: true });
});

async function fakeTree(name: string, config?: string): Promise<string> {
  const tree = join(dir, name);
  await mkdir(tree, { recursive: true });
  await writeFile(join(tree, 'Makefile'), 'VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 99\nEXTRAVERSION =\nNAME = Fake\n');
  if (config !== undefined) await writeFile(join(tree, '.config'), config);
  return tree;
}

async function locations(name: string, running?: string): Promise<ConfigLocations> {
  const base = join(dir, `loc-${name}`);
  await mkdir(join(base, 'boot'), { recursive: true });
  await mkdir(join(base, 'etc-kernels'), { recursive: true });
  if (running !== undefined) await writeFile(join(base, 'boot', 'config-9.9.9-running'), running);
  return { procConfig: join(base, 'no-proc.gz'), runningBootDir: join(base, 'boot'), runningRelease: '9.9.9-running', etcKernelsDir: join(base, 'etc-kernels'), modulesDir: join(base, 'modules') };
}

async function runStage(tree: string, where: ConfigLocations, values: Record<string, unknown> = {}) {
  const t = await kernelTestContext({ KERNEL_DIR: tree, ...values });
  let err: unknown;
  try {
    await createKernelConfigureStage({ locations: where, resolveCompressor: async () => undefined }).run(t.ctx);
  } catch (e) {
    err = e;
  }
  return { lines: t.lines, err };
}

describe('kernel config choice', () => {
  it("stops before any make when the tree's .config differs from the chosen one, naming both ways out", async () => {
    const tree = await fakeTree('allnoconfig', 'CONFIG_64BIT=y\n# made by make allnoconfig\n');
    const where = await locations('a', 'CONFIG_64BIT=y\nCONFIG_MODULES=y\n');
    const { lines, err } = await runStage(tree, where);
    expect(lines[0]).toBe(`* kernel config: ${join(where.runningBootDir, 'config-9.9.9-running')} (the running kernel's (no config saved for 6.1.99))`);
    expect(err).toBeInstanceOf(GkError);
    const e = err as GkError;
    expect(e.message).toContain(`${join(tree, '.config')} differs from the kernel config this build would start from`);
    expect(e.hint).toContain(`--kernel-config=${join(tree, '.config')}`);
    expect(e.hint).toContain('--replace-tree-config');
    // Nothing touched: the tree's config is as it was, and no backup was made.
    expect(await readFile(join(tree, '.config'), 'utf8')).toContain('allnoconfig');
    await expect(readFile(join(tree, '.config.tsgk-previous'), 'utf8')).rejects.toThrow();
  });

  it('says a saved /etc/kernels config was chosen and why; an identical tree config goes on', async () => {
    const cfg = 'CONFIG_64BIT=y\nCONFIG_SAVED=y\n';
    const tree = await fakeTree('saved', cfg);
    const where = await locations('b', 'CONFIG_OTHER=y\n');
    await writeFile(join(where.etcKernelsDir, 'kernel-config-6.1.99'), cfg);
    const { lines, err } = await runStage(tree, where, { MRPROPER: false, OLDCONFIG: false, KERNEL_OUTPUTDIR: '' });
    expect(lines[0]).toBe(`* kernel config: ${join(where.etcKernelsDir, 'kernel-config-6.1.99')} (saved for this version by an earlier --save-config)`);
    // Past the choice: it went on to make (which this fake tree cannot run), not to the refusal.
    expect(String((err as Error)?.message)).not.toMatch(/differs from the kernel config/);
  });

  it('takes DEFAULT_KERNEL_CONFIG (with %%ARCH%%) before the running kernel, and --kernel-config over the tree without asking', async () => {
    const tree = await fakeTree('dflt', 'CONFIG_TREE=y\n');
    const where = await locations('c', 'CONFIG_RUNNING=y\n');
    const dflt = join(dir, 'gk-x86_64.config');
    await writeFile(dflt, 'CONFIG_DEFAULT=y\n');
    const a = await runStage(tree, where, { DEFAULT_KERNEL_CONFIG: join(dir, 'gk-%%ARCH%%.config') });
    expect(a.lines[0]).toBe(`* kernel config: ${dflt} (DEFAULT_KERNEL_CONFIG)`);
    expect((a.err as GkError).hint).toContain('--replace-tree-config');
    const b = await runStage(tree, where, { KERNEL_CONFIG: dflt, MRPROPER: false });
    expect(b.lines[0]).toBe(`* kernel config: ${dflt} (given with --kernel-config)`);
    expect(String((b.err as Error)?.message)).not.toMatch(/differs/);
  });

  it('--replace-tree-config confirms the replacement', async () => {
    const tree = await fakeTree('confirm', 'CONFIG_TREE=y\n');
    const where = await locations('d', 'CONFIG_RUNNING=y\n');
    const r = await runStage(tree, where, { REPLACE_TREE_CONFIG: true, MRPROPER: false });
    expect(String((r.err as Error)?.message)).not.toMatch(/differs/);
    expect(await readFile(join(tree, '.config.tsgk-previous'), 'utf8')).toBe('CONFIG_TREE=y\n');
  });
});

describe('KERNEL_LOCALVERSION and KERNEL_APPEND_LOCALVERSION', () => {
  it("append to each other, expand %%ARCH%%, and leave the tree's alone when both are empty", () => {
    expect(localVersion('', '', 'x86_64')).toBeUndefined();
    expect(localVersion('-%%ARCH%%', '', 'x86_64')).toBe('-x86_64');
    expect(localVersion('-%%ARCH%%', '-test', 'x86_64')).toBe('-x86_64-test');
    expect(localVersion('', '-test', 'x86_64')).toBe('-test');
    expect(localVersion('UNSET', '', 'x86_64')).toBe('UNSET');
    expect(localVersion('UNSET', '-x', 'x86_64')).toBe('-x');
  });

  it('are written into the .config the build starts from', async () => {
    const tree = await fakeTree('lv', 'CONFIG_64BIT=y\nCONFIG_LOCALVERSION=""\n');
    const where = await locations('lv');
    await runStage(tree, where, { KERNEL_CONFIG: join(tree, '.config'), MRPROPER: false, KERNEL_LOCALVERSION: '-%%ARCH%%', KERNEL_APPEND_LOCALVERSION: '-gk' });
    // make cannot run in this fake tree; the config it would have run on is already written.
    expect(await readFile(join(tree, '.config'), 'utf8')).toMatch(/^CONFIG_LOCALVERSION="-x86_64-gk"$/m);
  });
});
