import { describe, test, expect } from 'vitest';
import { stagesFor } from '../pipelines.js';
import { ukiCheckStage } from './uki-check.js';
import { ukiBuildStage } from './uki.js';
import { ukiInstallStage } from './uki-install.js';
import { kernelConfigureStage } from './kernel-configure.js';
import { kernelInstallStage } from './kernel-install.js';
import { assembleStage } from './assemble.js';
import { installInitramfsStage } from './install-initramfs.js';

describe('--uki in the pipelines', () => {
  test.each(['initramfs', 'all'] as const)('%s: checked before any work, built after the image, installed last', (command) => {
    const stages = stagesFor(command);
    const at = (s: unknown) => stages.indexOf(s as (typeof stages)[number]);
    expect(at(ukiCheckStage)).toBeGreaterThanOrEqual(0);
    expect(at(ukiBuildStage)).toBe(at(assembleStage) + 1);
    // Every install comes after the UKI is built (and its ESP room checked); the UKI's is last.
    expect(at(installInitramfsStage)).toBeGreaterThan(at(ukiBuildStage));
    expect(at(ukiInstallStage)).toBe(at(installInitramfsStage) + 1);
    expect(ukiInstallStage.commit).toBe(true);
    if (command === 'all') {
      // Bad UKI input is heard before an hour of compiling, and before the kernel is installed.
      expect(at(ukiCheckStage)).toBeLessThan(at(kernelConfigureStage));
      expect(at(kernelInstallStage)).toBeGreaterThan(at(ukiBuildStage));
    }
  });

  test('kernel and bzImage build no UKI', () => {
    for (const command of ['kernel', 'bzImage'] as const) {
      expect(stagesFor(command)).not.toContain(ukiBuildStage);
      expect(stagesFor(command)).not.toContain(ukiInstallStage);
    }
  });
});
