/**
 * The one-root boot: a decoy root first (vda: root-like ext4 whose init prints
 * TSGK-DECOY-REACHED), the real root second (vdb). An init that mounts the first root-like disk
 * it sees, or a test that only looks for "some root", cannot pass.
 */
import { expect } from 'vitest';
import type { BootFixture } from './fixture.js';
import { DECOY_SENTINEL, initLines, rootMountDevice, type BootResult } from './qemu.js';

/** Where the real root disk appears in a one-root boot. */
export const ROOT_DEVICE = '/dev/vdb';

export function oneRootDisks(fx: BootFixture): string[] {
  return [fx.decoyDisk, fx.rootDisk];
}

/** The boot reached the real root's init, with `device` mounted on / (not the decoy). */
export function expectRealRoot(r: BootResult, device = ROOT_DEVICE): void {
  const lines = initLines(r.output);
  expect(r.output, lines).not.toContain(DECOY_SENTINEL);
  expect(r.reachedRoot, lines).toBe(true);
  expect(rootMountDevice(r.output), lines).toBe(device);
}
