/**
 * 30-luks.sh's choices that the QEMU scenarios do not reach, against a stand-in cryptsetup
 * (see fragment-harness.ts): a key file inside the initramfs, a missing key file, root=
 * left alone when it names something inside the container, and no work without crypt_root=.
 */
import { describe, test, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFragments } from './fragment-harness.js';

/** The encrypted disk "exists" as /dev/fake-luks; everything cryptsetup is asked succeeds. */
const SETUP = 'gk_resolve_root() { [ "$1" = /dev/fake-luks ] && echo /dev/fake-luks; }';
const STEPS = 'gk_run_hooks modules && gk_run_hooks pre_root && echo "REAL_ROOT=$REAL_ROOT"';
const cryptsetup = (openRc = 0) => ({ cryptsetup: `[ "$1" = open ] && exit ${openRc}; exit 0` });

describe('30-luks.sh', () => {
  test('root_key= without root_keydev=: the key file comes from the initramfs; root becomes /dev/mapper/root', () => {
    const key = join(mkdtempSync(join(tmpdir(), 'tsgk-key-')), 'root.key');
    writeFileSync(key, 'k');
    const r = runFragments({ fragments: ['30-luks.sh'], cmdline: `crypt_root=/dev/fake-luks root_key=${key}`, tools: cryptsetup(), setup: SETUP, steps: STEPS });
    expect(r.exitCode, r.output).toBe(0);
    expect(r.calls).toContain(`cryptsetup open --type luks --key-file=${key} /dev/fake-luks root`);
    expect(r.calls).toContain('modprobe dm_crypt');
    expect(r.output).toContain('REAL_ROOT=/dev/mapper/root');
  });

  test('a key file missing from the initramfs stops the boot and says where to look', () => {
    const r = runFragments({ fragments: ['30-luks.sh'], cmdline: 'crypt_root=/dev/fake-luks root_key=/nope.key', tools: cryptsetup(), setup: SETUP, steps: STEPS });
    expect(r.output).toContain('key file /nope.key is not in the initramfs');
    expect(r.output).toContain("BOOT FAILED: boot hook 'luks_unlock' (at pre_root) failed");
    expect(r.calls.some((c) => c.startsWith('cryptsetup open'))).toBe(false);
  });

  test('root= naming a volume inside the container is kept; root_trim=yes adds --allow-discards', () => {
    const r = runFragments({
      fragments: ['30-luks.sh'],
      cmdline: 'crypt_root=/dev/fake-luks root=/dev/vg/root root_trim=yes',
      tools: cryptsetup(),
      setup: SETUP,
      steps: `${STEPS.replace('gk_run_hooks pre_root', 'echo pass | gk_run_hooks pre_root')}`,
    });
    expect(r.calls).toContain('cryptsetup open --type luks --allow-discards --key-file=- /dev/fake-luks root');
    expect(r.output).toContain('REAL_ROOT=/dev/vg/root');
  });

  test('a crypt_root= device that never appears: failure after the bounded wait', () => {
    const r = runFragments({
      fragments: ['30-luks.sh'],
      cmdline: 'crypt_root=UUID=0000-gone',
      tools: cryptsetup(),
      setup: 'gk_block_devices() { :; }',
      steps: 'LUKS_DEV_TIMEOUT=1; gk_run_hooks pre_root',
    });
    expect(r.output).toContain('luks: crypt_root= UUID=0000-gone did not appear within 1 s');
    expect(r.output).toContain('BOOT FAILED');
  });

  test('without crypt_root= nothing is registered', () => {
    const r = runFragments({ fragments: ['30-luks.sh'], cmdline: 'root=/dev/vda', tools: cryptsetup(), steps: 'echo "[$gk_hooks_modules][$gk_hooks_pre_root]"' });
    expect(r.output).toContain('[][]');
  });
});
