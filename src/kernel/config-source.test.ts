import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GkError } from '../errors.js';
import { chooseConfigSource, readConfigText, type ConfigLocations } from './config-source.js';
import { TEST_KERNEL_CONFIG } from '../../test/debian-kernel.js';

let dir: string;
let where: ConfigLocations;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsgk-cfgsrc-'));
  where = { procConfig: join(dir, 'proc-config.gz'), runningBootDir: join(dir, 'boot'), runningRelease: '6.1.0-9-test', etcKernelsDir: join(dir, 'etc-kernels') };
  await mkdir(where.runningBootDir);
  await mkdir(where.etcKernelsDir);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('chooseConfigSource', () => {
  it('walks proc config, /boot/config-$(uname -r), then defconfig', async () => {
    expect(chooseConfigSource({ setting: 'default', kv: '6.1.7' }, where)).toEqual({ kind: 'defconfig', why: expect.any(String) });
    await writeFile(join(where.runningBootDir, 'config-6.1.0-9-test'), 'CONFIG_A=y\n');
    expect(chooseConfigSource({ setting: 'default', kv: '6.1.7' }, where)).toMatchObject({ kind: 'file', path: join(where.runningBootDir, 'config-6.1.0-9-test') });
    await writeFile(where.procConfig, gzipSync('CONFIG_A=y\n'));
    expect(chooseConfigSource({ setting: 'default', kv: '6.1.7' }, where)).toMatchObject({ kind: 'file', path: where.procConfig });
  });

  it('prefers a config saved for this KV when nothing was asked for, but not for `default`', async () => {
    const saved = join(where.etcKernelsDir, 'kernel-config-6.1.7');
    await writeFile(saved, 'CONFIG_B=y\n');
    expect(chooseConfigSource({ setting: '', kv: '6.1.7' }, where)).toMatchObject({ kind: 'file', path: saved });
    expect(chooseConfigSource({ setting: '', kv: '6.1.8' }, where)).toMatchObject({ kind: 'file', path: where.procConfig });
    expect(chooseConfigSource({ setting: 'default', kv: '6.1.7' }, where)).toMatchObject({ path: where.procConfig });
  });

  it("follows genkernel's order: saved configs and their variants, the installed kernel's source, DEFAULT_KERNEL_CONFIG", async () => {
    const w = { ...where, etcKernelsDir: join(dir, 'etc2'), modulesDir: join(dir, 'modules') };
    await mkdir(w.etcKernelsDir, { recursive: true });
    await mkdir(join(w.modulesDir, '6.2.1-x', 'source'), { recursive: true });
    const dflt = join(dir, 'gk-default.config');
    await writeFile(dflt, 'CONFIG_D=y\n');
    const input = { setting: '', kv: '6.2.1-x', localversion: '-mine', defaultConfig: dflt, arch: 'x86_64' };
    // Nothing saved, nothing installed: DEFAULT_KERNEL_CONFIG comes before the running kernel's.
    expect(chooseConfigSource(input, w)).toEqual({ kind: 'file', path: dflt, why: 'DEFAULT_KERNEL_CONFIG' });
    const installed = join(w.modulesDir, '6.2.1-x', 'source', '.config');
    await writeFile(installed, 'CONFIG_I=y\n');
    expect(chooseConfigSource(input, w)).toMatchObject({ path: installed, why: expect.stringMatching(/installed 6\.2\.1-x kernel's source/) });
    const gk3 = join(w.etcKernelsDir, 'kernel-config-x86_64-6.2.1-x');
    await writeFile(gk3, 'CONFIG_3=y\n');
    expect(chooseConfigSource(input, w)).toMatchObject({ path: gk3 });
    const withLv = join(w.etcKernelsDir, 'kernel-config-6.2.1-mine');
    await writeFile(withLv, 'CONFIG_L=y\n');
    expect(chooseConfigSource(input, w)).toMatchObject({ path: withLv, why: expect.stringMatching(/KERNEL_LOCALVERSION/) });
    const exact = join(w.etcKernelsDir, 'kernel-config-6.2.1-x');
    await writeFile(exact, 'CONFIG_E=y\n# THIS_CONFIG_IS_BROKEN\n');
    expect(chooseConfigSource(input, w)).toMatchObject({ path: withLv }); // a broken one is skipped, as genkernel does
    await writeFile(exact, 'CONFIG_E=y\n');
    expect(chooseConfigSource(input, w)).toMatchObject({ path: exact, why: expect.stringMatching(/--save-config/) });
    // `default` skips the user's and the installed configs.
    expect(chooseConfigSource({ ...input, setting: 'default' }, w)).toMatchObject({ path: dflt });
  });

  it('takes a named file, and refuses a missing one with a hint', () => {
    const named = join(where.runningBootDir, 'config-6.1.0-9-test');
    expect(chooseConfigSource({ setting: named, kv: '6.1.7' }, where)).toMatchObject({ kind: 'file', path: named });
    let err: unknown;
    try {
      chooseConfigSource({ setting: join(dir, 'nope'), kv: '6.1.7' }, where);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GkError);
    expect((err as GkError).hint).toContain('--kernel-config');
  });
});

describe('readConfigText', () => {
  it('reads plain and gzipped configs, refuses other files', async () => {
    expect(await readConfigText(where.procConfig)).toBe('CONFIG_A=y\n');
    await writeFile(join(dir, 'junk'), 'hello\n');
    await expect(readConfigText(join(dir, 'junk'))).rejects.toThrow(/not a kernel config/);
  });

  it('reads the real Debian config of the installed kernel', async () => {
    const text = await readConfigText(TEST_KERNEL_CONFIG);
    expect(text).toMatch(/^CONFIG_BLK_DEV_INITRD=y$/m);
  });
});
