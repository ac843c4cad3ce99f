import { describe, test, expect } from 'vitest';
import { checkRulePrograms } from './udev-rules.js';

const BIN_DIRS = ['sbin', 'bin', 'usr/sbin', 'usr/bin'];
const imageOf = (paths: string[]) => (p: string) => paths.includes(p.replace(/^\/+/, ''));

describe('udev rule programs against the image', () => {
  test('a program the image has stays; builtins and $env programs are not programs', () => {
    const text = [
      '# comment naming /usr/bin/nothing',
      'ENV{DM_COOKIE}=="?*", IMPORT{program}="/sbin/dmsetup udevflags $env{DM_COOKIE}"',
      'ENV{MODALIAS}=="?*", RUN{builtin}+="kmod load"',
      'ACTION=="remove", ENV{REMOVE_CMD}!="", RUN+="$env{REMOVE_CMD}"',
    ].join('\n');
    const r = checkRulePrograms(text, imageOf(['sbin/dmsetup']), 'lib/udev', BIN_DIRS);
    expect(r.text).toBe(text);
    expect(r.rewritten).toEqual([]);
    expect(r.dropped).toEqual([]);
  });

  test('a program at another bin path of the image is rewritten there', () => {
    const text = 'ENV{MD_CONTAINER}=="?*", PROGRAM="/bin/readlink $env{MD_CONTAINER}", ENV{MD_MON_THIS}="%c"';
    const r = checkRulePrograms(text, imageOf(['usr/bin/readlink']), 'lib/udev', BIN_DIRS);
    expect(r.text).toBe('ENV{MD_CONTAINER}=="?*", PROGRAM="/usr/bin/readlink $env{MD_CONTAINER}", ENV{MD_MON_THIS}="%c"');
    expect(r.rewritten).toEqual(['/bin/readlink -> /usr/bin/readlink']);
  });

  test('a rule calling what the image lacks is left out whole, a continued one included', () => {
    const text = [
      'KERNEL=="sd*", IMPORT{program}="ata_id --export $devnode"',
      'ENV{X}=="1", \\',
      '  RUN+="/usr/bin/systemd-run --no-block foo"',
      'KERNEL=="sd*", IMPORT{program}="scsi_id --export --whitelisted -d $devnode"',
      'LABEL="end"',
    ].join('\n');
    const r = checkRulePrograms(text, imageOf(['lib/udev/ata_id']), 'lib/udev', BIN_DIRS);
    expect(r.dropped).toEqual(['/usr/bin/systemd-run', 'scsi_id']);
    const lines = r.text.split('\n');
    expect(lines[0]).toBe('KERNEL=="sd*", IMPORT{program}="ata_id --export $devnode"');
    expect(lines[1]).toMatch(/^# tsgenkernel: rule left out, \/usr\/bin\/systemd-run/);
    expect(lines[2]).toMatch(/^# tsgenkernel: rule left out, scsi_id/);
    expect(lines[3]).toBe('LABEL="end"');
    expect(r.text).not.toContain('--no-block');
  });
});
