import { copyFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GkError } from '../errors.js';
import { run } from '../exec.js';
import { linuxSourceTree, scratchDir } from '../../test/kernel/linux-source.js';
import { BOOT_TEST_FRAGMENT, expandConfigFragment } from '../../test/kernel/test-config.js';
import { KernelConfig } from './kconfig.js';
import { enforceOptions } from './enforce-options.js';

const made: string[] = [];
afterAll(async () => {
  for (const d of made) await rm(d, { recursive: true, force: true });
});

describe('enforceOptions with make olddefconfig on the real tree', () => {
  it('reports exactly what changed, and refuses an option whose dependencies are off', async () => {
    const tree = await linuxSourceTree();
    const out = await scratchDir('enforce');
    made.push(out);
    await mkdir(out, { recursive: true });
    await expandConfigFragment(tree, BOOT_TEST_FRAGMENT, join(out, 'base.config'));
    await copyFile(join(out, 'base.config'), join(out, '.config'));
    const settle = async () => {
      await run('make', ['-s', '-C', tree, `O=${out}`, 'olddefconfig']);
    };

    const forced = await enforceOptions(
      join(out, '.config'),
      [
        { option: 'BLK_DEV_INITRD', reason: 'initrd' },
        { option: 'RD_LZ4', reason: 'lz4 image' },
      ],
      settle,
    );
    expect(forced).toEqual([{ option: 'RD_LZ4', reason: 'lz4 image', was: 'n', now: 'y' }]);
    expect((await KernelConfig.load(join(out, '.config'))).builtin('RD_LZ4')).toBe(true);

    // SCSI_VIRTIO depends on SCSI, which the fragment leaves off: olddefconfig drops it again.
    const err = await enforceOptions(join(out, '.config'), [{ option: 'SCSI_VIRTIO', reason: 'virtio-scsi root' }], settle).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GkError);
    expect((err as GkError).message).toContain('CONFIG_SCSI_VIRTIO could not be enabled');
    expect((err as GkError).hint).toContain('--menuconfig');
  }, 180_000);
});
