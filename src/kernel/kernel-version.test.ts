import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GkError } from '../errors.js';
import { run } from '../exec.js';
import { linuxSourceTree, scratchDir } from '../../test/kernel/linux-source.js';
import { kernelArch, kernelVersionFromMakefile, kernelVersionFromSources } from './kernel-version.js';

const made: string[] = [];
afterAll(async () => {
  for (const d of made) await rm(d, { recursive: true, force: true });
});

async function fakeTree(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tsgk-kv-'));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

const MAKEFILE = (v: string, p: string, s: string, e: string) =>
  `# SPDX-License-Identifier: GPL-2.0\nVERSION = ${v}\nPATCHLEVEL = ${p}\nSUBLEVEL = ${s}\nEXTRAVERSION = ${e}\nNAME = Test\n\nVERSION = 99\n`;

describe('kernelVersionFromMakefile', () => {
  it('joins the four variables the way the Makefile does', () => {
    expect(kernelVersionFromMakefile(MAKEFILE('6', '1', '192', ''))).toBe('6.1.192');
    expect(kernelVersionFromMakefile(MAKEFILE('6', '9', '0', '-rc3'))).toBe('6.9.0-rc3');
    // An empty SUBLEVEL drops its dot, an empty PATCHLEVEL drops both.
    expect(kernelVersionFromMakefile(MAKEFILE('3', '2', '', ''))).toBe('3.2');
    expect(kernelVersionFromMakefile(MAKEFILE('3', '', '', '-x'))).toBe('3-x');
  });

  it('finds nothing in a Makefile that is not the kernel one', () => {
    expect(kernelVersionFromMakefile('all:\n\tcc -o x x.c\n')).toBeUndefined();
  });
});

describe('kernelVersionFromSources on synthetic trees', () => {
  it('adds localversion files (output tree first, backups skipped) and CONFIG_LOCALVERSION', async () => {
    const src = await fakeTree({
      Makefile: MAKEFILE('6', '1', '7', '-rc1'),
      localversion: '-src\n',
      'localversion-b~': '-backup\n',
    });
    const out = await fakeTree({
      'localversion-a': '-out-a\n',
      'localversion-b': '-out-b',
      '.config': 'CONFIG_MODULES=y\nCONFIG_LOCALVERSION="-cfg"\n',
    });
    expect(await kernelVersionFromSources(src, out)).toBe('6.1.7-rc1-out-a-out-b-src-cfg');
    // Without an output dir the source tree's own .config (none here) and files count.
    expect(await kernelVersionFromSources(src)).toBe('6.1.7-rc1-src');
  });

  it('prefers include/config/kernel.release once a build recorded it', async () => {
    const src = await fakeTree({ Makefile: MAKEFILE('6', '1', '7', ''), '.config': 'CONFIG_LOCALVERSION="-cfg"\n' });
    expect(await kernelVersionFromSources(src)).toBe('6.1.7-cfg');
    await mkdir(join(src, 'include/config'), { recursive: true });
    await writeFile(join(src, 'include/config/kernel.release'), '6.1.7-built+\n');
    expect(await kernelVersionFromSources(src)).toBe('6.1.7-built+');
    // Right after a reconfigure the recorded release is stale; the config's answer is wanted.
    expect(await kernelVersionFromSources(src, undefined, { ignoreRecorded: true })).toBe('6.1.7-cfg');
  });

  it('refuses a directory that is not a kernel tree, with a hint', async () => {
    const empty = await fakeTree({ 'README': 'hello' });
    const err = await kernelVersionFromSources(empty).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GkError);
    expect((err as GkError).message).toContain('not a kernel source tree');
    expect((err as GkError).hint).toContain('--kerneldir');
    const notKernel = await fakeTree({ Makefile: 'all:\n\ttrue\n' });
    await expect(kernelVersionFromSources(notKernel)).rejects.toThrow(/VERSION/);
  });
});

describe('kernelVersionFromSources on the real linux-source-6.1 tree', () => {
  it('matches `make kernelversion` on the pristine tree', async () => {
    const tree = await linuxSourceTree();
    const make = await run('make', ['-s', '-C', tree, 'kernelversion']);
    expect(make.stdout.trim()).toMatch(/^6\.1\.\d+$/);
    expect(await kernelVersionFromSources(tree)).toBe(make.stdout.trim());
  });

  it('matches `make kernelrelease` for an O= build with a localversion file and CONFIG_LOCALVERSION', async () => {
    const tree = await linuxSourceTree();
    const out = await scratchDir('kv');
    made.push(out);
    await writeFile(join(out, 'localversion-zz'), '-lv\n');
    await writeFile(join(out, 'frag.config'), 'CONFIG_64BIT=y\nCONFIG_LOCALVERSION="-cfg"\n');
    await run('make', ['-s', '-C', tree, `O=${out}`, `KCONFIG_ALLCONFIG=${join(out, 'frag.config')}`, 'allnoconfig']);
    // syncconfig writes include/config/auto.conf, which `make kernelrelease` reads; it does not
    // write kernel.release, so our answer below is computed, not read back.
    await run('make', ['-s', '-C', tree, `O=${out}`, 'syncconfig']);
    const make = await run('make', ['-s', '-C', tree, `O=${out}`, 'kernelrelease'], { env: { LOCALVERSION: '' } });
    const expected = make.stdout.trim();
    expect(expected).toMatch(/^6\.1\.\d+-lv-cfg$/);
    expect(await kernelVersionFromSources(tree, out)).toBe(expected);
  }, 180_000);
});

describe('kernelArch', () => {
  it('maps uname -m names to the kernel ARCH', () => {
    expect(kernelArch('x86_64')).toBe('x86');
    expect(kernelArch('i686')).toBe('x86');
    expect(kernelArch('aarch64')).toBe('arm64');
    expect(kernelArch('ppc64le')).toBe('powerpc');
    expect(kernelArch('riscv64')).toBe('riscv');
  });

  it('answers for this machine', () => {
    const m = process.arch === 'x64' ? 'x86' : undefined;
    if (m) expect(kernelArch()).toBe(m);
    else expect(kernelArch()).toBeTruthy();
  });
});
