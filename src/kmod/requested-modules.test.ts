import { describe, expect, it } from 'vitest';
import { checkExplicitModules, explicitlyRequestedMissing } from './requested-modules.js';
import { loadModuleIndex, resolveModules } from '../kmod/resolver.js';
import { REAL_MODULE_DIR } from '../kmod/test-fixtures.js';

describe('explicitly requested modules', () => {
  it('stops for a name in the user conf that the real Debian tree lacks, not for default-group names', async () => {
    const index = await loadModuleIndex(REAL_MODULE_DIR, { modprobeDirs: [] });
    // sata_inic162x: in the shipped MODULES_SATA, not built by Debian. ext44: a user's typo.
    const plan = resolveModules(index, ['ext4', 'sata_inic162x', 'ext44', 'virtio-blk']);
    expect(plan.missing.sort()).toEqual(['ext44', 'sata_inic162x']);
    const overrides = new Map([['AMODULES_FS', 'ext44 virtio-blk'], ['LUKS', 'yes']]);
    expect(explicitlyRequestedMissing(overrides, plan.missing)).toEqual([{ module: 'ext44', key: 'AMODULES_FS' }]);
    expect(() => checkExplicitModules(overrides, plan.missing, REAL_MODULE_DIR)).toThrow(/asks for module ext44 \(AMODULES_FS\), which this kernel has neither/);
    expect(() => checkExplicitModules(new Map(), plan.missing, REAL_MODULE_DIR)).not.toThrow();
  });

  it('matches names with - and _ as kmod does', () => {
    expect(explicitlyRequestedMissing(new Map([['MODULES_X', 'my-drv']]), ['my_drv'])).toEqual([{ module: 'my-drv', key: 'MODULES_X' }]);
  });
});
