import { describe, expect, it } from 'vitest';
import { GkError } from '../errors.js';
import { AliasTable, loadModulesAlias, normaliseAlias, parseModulesAlias } from './modules-alias.js';
import { TEST_MODULE_DIR } from '../../test/debian-kernel.js';

const DIR = TEST_MODULE_DIR;

describe('modules.alias', () => {
  it('resolves aliases of the real tree as modprobe does', async () => {
    const table = new AliasTable(await loadModulesAlias(DIR));
    expect(table.size).toBeGreaterThan(20000);
    expect(table.lookup('crypto-crc32c').sort()).toEqual(['crc32c_generic', 'crc32c_intel']);
    // kmod reads '-' and '_' alike in aliases too.
    expect(table.lookup('crypto_crc32c').sort()).toEqual(['crc32c_generic', 'crc32c_intel']);
    expect(table.lookup('fs-btrfs')).toEqual(['btrfs']);
    // A modalias as the kernel writes it in uevent: virtio block device.
    expect(table.lookup('virtio:d00000002v00001AF4')).toEqual(['virtio_blk']);
    expect(table.lookup('pci:v00001AF4d00001001sv00001AF4sd00000002bc01sc00i00')).toEqual(['virtio_pci']);
    expect(table.lookup('no-such-alias')).toEqual([]);
  });

  it('keeps dashes inside brackets (ranges)', () => {
    expect(normaliseAlias('usb:v1-2d0[0-2]*')).toBe('usb:v1_2d0[0-2]*');
  });

  it.each([
    ['alias onlypattern', /3 words/],
    ['options foo bar=1', /expected "alias PATTERN MODULE"/],
    ['alias a b c', /3 words/],
  ])('refuses %j naming the line', (bad, re) => {
    expect(() => parseModulesAlias(`# c\nalias x y\n${bad}\n`, 'F')).toThrow(GkError);
    expect(() => parseModulesAlias(`# c\nalias x y\n${bad}\n`, 'F')).toThrow(new RegExp(`^F:3: .*${re.source}`));
  });
});
