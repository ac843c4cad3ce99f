import { copyFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../exec.js';
import { linuxSourceTree, scratchDir } from '../../test/kernel/linux-source.js';
import { BOOT_TEST_FRAGMENT, expandConfigFragment } from '../../test/kernel/test-config.js';
import { KernelConfig } from './kconfig.js';
import { enforceOptions } from './enforce-options.js';
import { featureKernelOptions } from './feature-options.js';

const made: string[] = [];
afterAll(async () => {
  for (const d of made) await rm(d, { recursive: true, force: true });
});

const none = { LUKS: false, LVM: false, MDADM: false, MICROCODE: 'none' };

describe('featureKernelOptions: what each feature needs, as genkernel forces it', () => {
  it('asks for nothing when no feature is on, and only x86 gets microcode options', () => {
    expect(featureKernelOptions(none, '6.1.100', 'x86')).toEqual([]);
    expect(featureKernelOptions({ ...none, MICROCODE: 'all' }, '6.1.100', 'arm64')).toEqual([]);
  });

  it('names the vendor drivers by kernel version: MICROCODE_* before 6.6, CPU_SUP_* from 6.6', () => {
    const names = (v: string, m: string) => featureKernelOptions({ ...none, MICROCODE: m }, v, 'x86').map((o) => o.option);
    expect(names('6.1.100', 'all')).toEqual(['MICROCODE', 'MICROCODE_AMD', 'MICROCODE_INTEL']);
    expect(names('6.1.100', 'intel')).toEqual(['MICROCODE', 'MICROCODE_INTEL']);
    expect(names('6.6.1', 'amd')).toEqual(['MICROCODE', 'CPU_SUP_AMD']);
  });

  it('lists BLK_DEV_DM once when three features want it', () => {
    const opts = featureKernelOptions({ LUKS: true, LVM: true, MDADM: true, MICROCODE: 'none' }, '6.1.100', 'x86');
    expect(opts.filter((o) => o.option === 'BLK_DEV_DM')).toHaveLength(1);
    expect(opts.find((o) => o.option === 'DM_CRYPT')?.value).toBe('module');
    expect(opts.find((o) => o.option === 'FILE_LOCKING')?.value).toBe('y');
  });
});

describe('feature options forced on a real .config (make olddefconfig on linux-source)', () => {
  it('turns on dm-crypt, LVM and md RAID as modules and the microcode loader built in; a second pass changes nothing', async () => {
    const tree = await linuxSourceTree();
    const out = await scratchDir('feature-options');
    made.push(out);
    await mkdir(out, { recursive: true });
    // The boot test's fragment: modules on, no device-mapper, no md, no microcode loader.
    await expandConfigFragment(tree, BOOT_TEST_FRAGMENT, join(out, 'base.config'));
    await copyFile(join(out, 'base.config'), join(out, '.config'));
    const before = await KernelConfig.load(join(out, '.config'));
    for (const o of ['BLK_DEV_DM', 'DM_CRYPT', 'BLK_DEV_MD', 'MICROCODE']) expect(before.enabled(o), o).toBe(false);
    const settle = async () => {
      await run('make', ['-s', '-C', tree, `O=${out}`, 'olddefconfig']);
    };
    const wanted = featureKernelOptions({ LUKS: true, LVM: true, MDADM: true, MICROCODE: 'all' }, '6.1.100', 'x86');

    const forced = await enforceOptions(join(out, '.config'), wanted, settle);
    const after = await KernelConfig.load(join(out, '.config'));
    for (const o of ['BLK_DEV_DM', 'DM_CRYPT', 'DM_SNAPSHOT', 'DM_MIRROR', 'BLK_DEV_MD', 'MD_RAID1', 'MD_RAID456', 'CRYPTO_XTS', 'CRYPTO_AES', 'CRYPTO_SERPENT', 'CRYPTO_USER_API_SKCIPHER']) {
      expect(after.get(o), o).toBe('m');
    }
    for (const o of ['MD', 'FILE_LOCKING', 'MICROCODE', 'MICROCODE_INTEL', 'MICROCODE_AMD']) expect(after.get(o), o).toBe('y');
    const byName = new Map(forced.map((f) => [f.option, f]));
    expect(byName.get('DM_CRYPT')).toMatchObject({ now: 'm', was: 'n' });
    expect(byName.get('MICROCODE')).toMatchObject({ now: 'y', reason: expect.stringContaining('--microcode=all') });
    // What is reported forced is in the final config.
    for (const f of forced) expect(after.enabled(f.option), f.option).toBe(true);

    expect(await enforceOptions(join(out, '.config'), wanted, settle)).toEqual([]);
  }, 180_000);
});
