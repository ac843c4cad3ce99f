import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { GkError } from '../errors.js';
import { groupModules, moduleGroups } from './module-groups.js';
import { loadModuleIndex } from './module-index.js';
import { lookupModule } from './resolver.js';
import { TEST_MODULE_DIR } from '../../test/debian-kernel.js';

const text = readFileSync(new URL('../../defaults/modules_load', import.meta.url), 'utf8');

describe('defaults/modules_load', () => {
  const groups = moduleGroups(text);

  it('has the genkernel groups', () => {
    for (const g of ['VIRTIO', 'HYPERV', 'SATA', 'PATA', 'SCSI', 'WAITSCSI', 'NVME', 'MDADM', 'DMRAID', 'LVM', 'CRYPTO', 'NET', 'ISCSI', 'FIREWIRE', 'PCMCIA', 'USB', 'FS']) {
      expect(groups.has(`MODULES_${g}`)).toBe(true);
    }
    expect(groups.get('MODULES_VIRTIO')).toContain('virtio_blk');
    expect(groups.get('MODULES_FS')).toContain('ext4');
  });

  it('names modules the Debian 6.1 kernel has (as modules or built in)', async () => {
    const index = await loadModuleIndex(TEST_MODULE_DIR, { modprobeDirs: [] });
    // Real drivers Debian chooses not to build; other kernels do.
    const notInDebian = new Set(['sata_inic162x', 'pata_acpi', 'pata_cs5536', 'pata_hpt3x2n']);
    const unknown: string[] = [];
    for (const [g, names] of groups) {
      for (const n of names) {
        const r = lookupModule(index, n);
        if (r.modules.length === 0 && r.builtin.length === 0 && !notInDebian.has(n)) unknown.push(`${g}:${n}`);
      }
    }
    expect(unknown).toEqual([]);
  });
});

describe('groupModules', () => {
  const groups = moduleGroups('MODULES_A="a b"\nMODULES_B="c\td"\nMODULES_C=""\n', 'test');

  it('lists every group in order, each name once', () => {
    expect(groupModules(groups, new Map())).toEqual(['a', 'b', 'c', 'd']);
    expect(groupModules(moduleGroups('MODULES_A="x y"\nMODULES_B="y z"\n'), {})).toEqual(['x', 'y', 'z']);
  });

  it('MODULES_<G> replaces, AMODULES_<G> appends, new groups count', () => {
    const o = new Map([
      ['MODULES_A', 'q'],
      ['AMODULES_B', 'e f'],
      ['AMODULES_A', 'r'],
      ['MODULES_NEW', 'n'],
      ['AMODULES_OTHER', 'o'],
    ]);
    expect(groupModules(groups, o)).toEqual(['q', 'r', 'c', 'd', 'e', 'f', 'n', 'o']);
    // An empty replacement empties the group (how genkernel users switch one off).
    expect(groupModules(groups, { MODULES_B: '' })).toEqual(['a', 'b']);
  });

  it('refuses keys that are not groups', () => {
    expect(() => moduleGroups('FOO="x"\n', 'f')).toThrow(GkError);
  });
});
