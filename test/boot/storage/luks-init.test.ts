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

  test('unlock methods other fragments register are tried in order before the console prompt', () => {
    // "first" declines (1: the next method tries), "second" opens with a key of its own.
    const methods = [
      'first() { echo METHOD-first; return 1; }',
      'second() { echo METHOD-second; printf k | luks_open_key -; }',
      'gk_unlock_methods="first second"',
    ].join('\n');
    const r = runFragments({ fragments: ['30-luks.sh'], cmdline: 'crypt_root=/dev/fake-luks', tools: cryptsetup(), setup: SETUP, steps: `${methods}\n${STEPS}` });
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output.indexOf('METHOD-first')).toBeLessThan(r.output.indexOf('METHOD-second'));
    expect(r.output).not.toContain('Enter passphrase');
    expect(r.calls).toContain('cryptsetup open --type luks --key-file=- /dev/fake-luks root');
    expect(r.output).toContain('REAL_ROOT=/dev/mapper/root');
  });

  test('when every registered method declines, the console prompt asks; a failed root_key= stops before any method', () => {
    const decline = 'nope() { echo METHOD-nope; return 1; }\ngk_unlock_methods=nope';
    const prompt = runFragments({
      fragments: ['30-luks.sh'],
      cmdline: 'crypt_root=/dev/fake-luks',
      tools: cryptsetup(),
      setup: SETUP,
      steps: `${decline}\n${STEPS.replace('gk_run_hooks pre_root', 'echo pass | gk_run_hooks pre_root')}`,
    });
    expect(prompt.exitCode, prompt.output).toBe(0);
    expect(prompt.output.indexOf('METHOD-nope')).toBeLessThan(prompt.output.indexOf('Enter passphrase for /dev/fake-luks (/dev/fake-luks)'));
    const keyfile = runFragments({ fragments: ['30-luks.sh'], cmdline: 'crypt_root=/dev/fake-luks root_key=/nope.key', tools: cryptsetup(), setup: SETUP, steps: `${decline}\n${STEPS}` });
    expect(keyfile.output).not.toContain('METHOD-nope');
    expect(keyfile.output).toContain("BOOT FAILED: boot hook 'luks_unlock' (at pre_root) failed");
  });

  test('with debug on, a device found only after a wait is handed over clean (log lines go to stderr)', () => {
    // The device shows up once the driver rescan of the wait's tick ran, which logs under debug.
    const late = [
      'GKT_MARK=$(mktemp -u)',
      'gk_resolve_root() { [ -e "$GKT_MARK" ] && [ "$1" = /dev/fake-luks ] && echo /dev/fake-luks; }',
      'gk_load_device_modules() { gk_debug "device pass 1: 2 new aliases"; : >"$GKT_MARK"; }',
    ].join('\n');
    const r = runFragments({ fragments: ['30-luks.sh'], cmdline: 'debug crypt_root=/dev/fake-luks', tools: cryptsetup(), setup: late, steps: `echo pass | { gk_run_hooks pre_root && echo "LUKS_DEV=[$LUKS_DEV]"; }` });
    expect(r.output).toContain('.. device pass 1: 2 new aliases');
    expect(r.output).toContain('LUKS_DEV=[/dev/fake-luks]');
    expect(r.calls).toContain('cryptsetup isLuks /dev/fake-luks');
  });

  test('crypt_root_options=: allowed options reach cryptsetup open, others are refused in one line', () => {
    const r = runFragments({
      fragments: ['30-luks.sh'],
      cmdline: 'crypt_root=/dev/fake-luks crypt_root_options=--allow-discards,--key-slot=1,--header=/evil,--key-slot=x root_key=/k',
      tools: cryptsetup(),
      setup: SETUP,
      steps: `luks_settings root; echo "OPTS=[$LUKS_OPTS]"`,
    });
    expect(r.output).toContain('OPTS=[--allow-discards --key-slot=1]');
    expect(r.output).toContain("crypt_root_options: '--header=/evil' is refused -- allowed: --allow-discards");
    expect(r.output).toContain("'--key-slot=x' is refused");
  });

  test('a detached header in the image is passed with --header; a missing one stops the unlock naming the file', () => {
    const hdr = join(mkdtempSync(join(tmpdir(), 'tsgk-hdr-')), 'root.hdr');
    writeFileSync(hdr, 'h');
    const ok = runFragments({ fragments: ['30-luks.sh'], cmdline: `crypt_root=/dev/fake-luks root_header=${hdr}`, tools: cryptsetup(), setup: SETUP, steps: STEPS.replace('gk_run_hooks pre_root', 'echo pass | gk_run_hooks pre_root') });
    expect(ok.exitCode, ok.output).toBe(0);
    expect(ok.calls).toContain(`cryptsetup isLuks --header ${hdr} /dev/fake-luks`);
    expect(ok.calls).toContain(`cryptsetup open --type luks --header ${hdr} --key-file=- /dev/fake-luks root`);
    const gone = runFragments({ fragments: ['30-luks.sh'], cmdline: 'crypt_root=/dev/fake-luks root_header=/nope.hdr', tools: cryptsetup(), setup: SETUP, steps: STEPS });
    expect(gone.output).toContain('luks: header file /nope.hdr is not in the initramfs (give root_headerdev= when it is on a device)');
    expect(gone.output).toContain("BOOT FAILED: boot hook 'luks_unlock' (at pre_root) failed");
    expect(gone.calls.some((c) => c.startsWith('cryptsetup open'))).toBe(false);
  });

  test('crypt_swap= opens /dev/mapper/swap before the root, with its own key file, and becomes the resume device', () => {
    const key = join(mkdtempSync(join(tmpdir(), 'tsgk-key-')), 'swap.key');
    writeFileSync(key, 'k');
    const setup = 'gk_resolve_root() { case "$1" in /dev/fake-luks|/dev/fake-swap) echo "$1" ;; *) return 1 ;; esac; }';
    const r = runFragments({
      fragments: ['30-luks.sh'],
      cmdline: `crypt_swap=/dev/fake-swap swap_key=${key} crypt_swap_options=--allow-discards crypt_root=/dev/fake-luks root_key=${key}`,
      tools: cryptsetup(),
      setup,
      steps: 'gk_run_hooks modules && gk_run_hooks pre_root && echo "FALLBACK=$GK_RESUME_FALLBACK REAL_ROOT=$REAL_ROOT"',
    });
    expect(r.exitCode, r.output).toBe(0);
    const opens = r.calls.filter((c) => c.startsWith('cryptsetup open'));
    expect(opens).toEqual([`cryptsetup open --type luks --allow-discards --key-file=${key} /dev/fake-swap swap`, `cryptsetup open --type luks --key-file=${key} /dev/fake-luks root`]);
    expect(r.output).toContain('FALLBACK=/dev/mapper/swap REAL_ROOT=/dev/mapper/root');
  });

  test('without crypt_root= nothing is registered', () => {
    const r = runFragments({ fragments: ['30-luks.sh'], cmdline: 'root=/dev/vda', tools: cryptsetup(), steps: 'echo "[$gk_hooks_modules][$gk_hooks_pre_root]"' });
    expect(r.output).toContain('[][]');
  });
});
