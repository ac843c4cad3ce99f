/**
 * The init's small parameters against stand-in tools (test/boot/storage/fragment-harness.ts):
 * scandelay[=N], rootfstype= as a comma list, gk.prompt.timeout= and gk.userinteraction.disabled=
 * at the LUKS passphrase prompt. MAJ:MIN and MBR PARTUUID roots are booted (test/boot/root-forms.test.ts).
 */
import { describe, test, expect } from 'vitest';
import { runFragments } from '../boot/storage/fragment-harness.js';

const lib = (cmdline: string, steps: string, tools: Record<string, string> = {}) => runFragments({ fragments: [], cmdline, tools, steps });

describe('scandelay', () => {
  test.each([
    ['scandelay', '3'],
    ['scandelay=7', '7'],
    ['', ''],
  ])('"%s" pauses %s s before devices are looked for', (cmdline, secs) => {
    const r = lib(cmdline, 'gk_scan_delay; echo "delay=$GK_SCANDELAY"', { sleep: 'exit 0' });
    if (secs) {
      expect(r.calls).toEqual([`sleep ${secs}`]);
      expect(r.output).toContain(`scandelay: waiting ${secs} s for slow devices`);
    } else {
      expect(r.calls).toEqual([]);
      expect(r.output).toContain('delay=0');
    }
  });

  test('a value that is no number: one line, no pause', () => {
    const r = lib('scandelay=soon', 'gk_scan_delay', { sleep: 'exit 0' });
    expect(r.output).toContain("'scandelay=soon' is not a number of seconds -- ignored");
    expect(r.calls).toEqual([]);
  });
});

describe('rootfstype= with a comma list', () => {
  const mount = (works: string) => ({ mount: `[ "$2" = ${works} ] && exit 0; exit 32` });
  const steps = 'GK_ROOT_DEV=/dev/fake; gk_mount_block_root && echo MOUNTED';

  test('each type is tried in order, with its module, until one mounts', () => {
    // Made-up types: the host's /proc/filesystems must not know them (their module is loaded first).
    const r = lib('rootfstype=gkfsa,gkfsb,gkfsc', steps, mount('gkfsc'));
    expect(r.output).toContain('MOUNTED');
    const mounts = r.calls.filter((c) => c.startsWith('mount '));
    expect(mounts.map((c) => c.split(' ')[2])).toEqual(['gkfsa', 'gkfsb', 'gkfsc']);
    expect(r.calls.indexOf('modprobe -q fs-gkfsb')).toBeLessThan(r.calls.findIndex((c) => c.startsWith('mount -t gkfsb')));
    expect(r.output).toContain('not as gkfsa; trying the next type of rootfstype=gkfsa,gkfsb,gkfsc');
  });

  test('none mounts: the boot stops naming the list', () => {
    const r = lib('rootfstype=btrfs,xfs', steps, mount('ext4'));
    expect(r.output).toContain('BOOT FAILED: could not mount the root filesystem /dev/fake');
    expect(r.output).toContain('for each T of rootfstype=btrfs,xfs');
    expect(r.output).toContain('RESCUE-SHELL');
  });
});

describe('prompts: gk.prompt.timeout= and gk.userinteraction.disabled=', () => {
  const SETUP = 'gk_resolve_root() { [ "$1" = /dev/fake-luks ] && echo /dev/fake-luks; }';
  const cryptsetup = { cryptsetup: '[ "$1" = open ] && exit 2; exit 0' };

  test('gk.userinteraction.disabled=1: no LUKS prompt, the boot fails at once (then reboots, no shell)', () => {
    const r = runFragments({
      fragments: ['30-luks.sh'],
      cmdline: 'crypt_root=/dev/fake-luks gk.userinteraction.disabled=yes',
      tools: { ...cryptsetup, sleep: 'exit 0' },
      setup: SETUP,
      steps: 'gk_run_hooks pre_root',
    });
    expect(r.output).toContain("gk.userinteraction.disabled: not asking 'Enter passphrase for /dev/fake-luks (/dev/fake-luks): '");
    expect(r.output).toContain("BOOT FAILED: boot hook 'luks_unlock' (at pre_root) failed");
    expect(r.calls).toContain('reboot -f');
    expect(r.calls.some((c) => c.startsWith('cryptsetup open'))).toBe(false);
  });

  test('gk.userinteraction.disabled=0 still asks', () => {
    const r = runFragments({
      fragments: ['30-luks.sh'],
      cmdline: 'crypt_root=/dev/fake-luks gk.userinteraction.disabled=0',
      tools: cryptsetup,
      setup: SETUP,
      steps: 'echo pw | gk_run_hooks pre_root',
    });
    expect(r.calls).toContain('cryptsetup open --type luks --key-file=- /dev/fake-luks root');
  });

  test('gk.prompt.timeout=1: a silent console gives up after about a second, without the other tries', () => {
    const started = Date.now();
    const r = runFragments({
      fragments: ['30-luks.sh'],
      cmdline: 'crypt_root=/dev/fake-luks gk.prompt.timeout=1',
      tools: cryptsetup,
      setup: SETUP,
      shell: 'busybox',
      steps: 'sleep 8 | gk_run_hooks pre_root',
    });
    expect(r.output).toContain('no answer within 1 s (gk.prompt.timeout)');
    expect(r.output.match(/Enter passphrase/g)).toHaveLength(1);
    expect(r.output).toContain("BOOT FAILED: boot hook 'luks_unlock' (at pre_root) failed");
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  test('gk.prompt.timeout=5 and an answer in time: the passphrase is used', () => {
    const r = runFragments({
      fragments: ['30-luks.sh'],
      cmdline: 'crypt_root=/dev/fake-luks gk.prompt.timeout=5',
      tools: { cryptsetup: 'exit 0' },
      setup: SETUP,
      shell: 'busybox',
      steps: 'echo pw | { gk_run_hooks pre_root && echo "REAL_ROOT=$REAL_ROOT"; }',
    });
    expect(r.calls).toContain('cryptsetup open --type luks --key-file=- /dev/fake-luks root');
    expect(r.output).toContain('REAL_ROOT=/dev/mapper/root');
  });
});

describe('gk.userinteraction.disabled: no rescue shell either', () => {
  // The harness's reboot/poweroff stand-ins end the shell running the init.
  const end = { sleep: 'exit 0' };

  test('a failure reboots after gk.prompt.timeout (10 s when unset) instead of opening a shell', () => {
    const r = lib('gk.userinteraction.disabled=1 gk.prompt.timeout=4', 'gk_fail "the root is gone" "nothing"', end);
    expect(r.output).toContain('gk.userinteraction.disabled: no rescue shell; rebooting in 4 s');
    expect(r.calls).toEqual(['sleep 4', 'reboot -f']);
    expect(r.output).not.toContain('RESCUE-SHELL');
    expect(lib('gk.userinteraction.disabled=true', 'gk_fail "x" "y"', end).calls).toEqual(['sleep 10', 'reboot -f']);
  });

  test('gk.emergency= still decides; without gk.userinteraction.disabled the rescue shell opens', () => {
    expect(lib('gk.userinteraction.disabled=1 gk.emergency=poweroff', 'gk_fail "x" "y"', end).calls).toEqual(['poweroff -f']);
    expect(lib('', 'gk_fail "x" "y"', end).output).toContain('RESCUE-SHELL');
  });
});
