import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultsPath } from '../config/settings.js';
import { GkError } from '../errors.js';
import { busyboxConfigFor, effectiveBusyboxConfig, MODUTILS_SYMBOLS } from './busybox-config.js';
import { setConfigOption } from '../kernel/kconfig-edit.js';
import { gkbuildTestContext, removeTestDirs, testDir } from './test-context.js';

const shipped = readFileSync(defaultsPath('busy-config'), 'utf8');
const symbol = (config: string, name: string): string | undefined =>
  config.split('\n').find((l) => l.startsWith(`CONFIG_${name}=`) || l === `# CONFIG_${name} is not set`);

afterAll(removeTestDirs);

// The config is trimmed to what the init runs (test/shell/busybox-applets.test.ts reads the scripts
// and checks the built binary); awk, ifconfig and route are off: nothing in the image runs them.
describe('defaults/busy-config', () => {
  it.each(['ASH', 'MOUNT', 'UMOUNT', 'SWITCH_ROOT', 'MDEV', 'BLKID', 'FINDFS', 'LOSETUP', 'SLEEP', 'CAT', 'LS', 'MKDIR',
    'MKNOD', 'LN', 'GREP', 'SED', 'CUT', 'TR', 'UDHCPC', 'IP', 'LOADKMAP', 'REBOOT', 'POWEROFF',
    'HALT', 'UNAME', 'DMESG', 'SYNC', 'TEST', 'TEST1', 'PRINTF', 'ECHO', 'STATIC'])('enables %s', (name) => {
    expect(symbol(shipped, name)).toBe(`CONFIG_${name}=y`);
  });

  it.each(['AWK', 'IFCONFIG', 'ROUTE', 'HTTPD', 'TELNETD'])('leaves %s out (trimmed)', (name) => {
    expect(symbol(shipped, name)).toBe(`# CONFIG_${name} is not set`);
  });
});

describe('effectiveBusyboxConfig', () => {
  it('drops the modutils applets with kmod and keeps them without', () => {
    const withKmod = effectiveBusyboxConfig(shipped, { kmod: true });
    const without = effectiveBusyboxConfig(shipped, { kmod: false });
    for (const s of MODUTILS_SYMBOLS) {
      expect(symbol(withKmod, s)).toBe(`# CONFIG_${s} is not set`);
      expect(symbol(without, s)).toBe(`CONFIG_${s}=y`);
    }
  });

  it('forces static, no prefer-applets and no standalone shell whatever the base says', () => {
    let base = setConfigOption(shipped, 'STATIC', 'n');
    base = setConfigOption(base, 'FEATURE_PREFER_APPLETS', 'y');
    base = setConfigOption(base, 'FEATURE_SH_STANDALONE', 'y');
    const eff = effectiveBusyboxConfig(base, { kmod: true });
    expect(symbol(eff, 'STATIC')).toBe('CONFIG_STATIC=y');
    expect(symbol(eff, 'FEATURE_PREFER_APPLETS')).toBe('# CONFIG_FEATURE_PREFER_APPLETS is not set');
    expect(symbol(eff, 'FEATURE_SH_STANDALONE')).toBe('# CONFIG_FEATURE_SH_STANDALONE is not set');
  });

  it('adds forced symbols a minimal user config does not mention', () => {
    const eff = effectiveBusyboxConfig('CONFIG_ASH=y\n', { kmod: false });
    expect(eff).toContain('CONFIG_ASH=y\nCONFIG_STATIC=y\n');
    expect(symbol(eff, 'MODPROBE')).toBe('CONFIG_MODPROBE=y');
  });

  it('ignores comment-only differences such as the timestamp header', () => {
    const restamped = '#\n# Automatically generated make config: don\'t edit\n# Mon Jan  1 00:00:00 2024\n#\n' + shipped;
    expect(effectiveBusyboxConfig(restamped, { kmod: true })).toBe(effectiveBusyboxConfig(shipped, { kmod: true }));
  });
});

describe('busyboxConfigFor', () => {
  it('reads --busybox-config when given, the shipped file otherwise', () => {
    const dir = testDir('bbconf-');
    writeFileSync(join(dir, 'my-config'), 'CONFIG_ASH=y\n# CONFIG_AWK is not set\n');
    const own = gkbuildTestContext({ distdir: dir, settings: { BUSYBOX_CONFIG: join(dir, 'my-config'), KMOD: true } }).ctx;
    expect(busyboxConfigFor(own)).toContain('# CONFIG_AWK is not set');
    const dflt = gkbuildTestContext({ distdir: dir, settings: { BUSYBOX_CONFIG: '', KMOD: true } }).ctx;
    expect(busyboxConfigFor(dflt)).toBe(effectiveBusyboxConfig(shipped, { kmod: true }));
  });

  it('names a missing --busybox-config file', () => {
    const { ctx } = gkbuildTestContext({ distdir: '/nonexistent', settings: { BUSYBOX_CONFIG: '/nonexistent/busy-config' } });
    expect(() => busyboxConfigFor(ctx)).toThrow(GkError);
    expect(() => busyboxConfigFor(ctx)).toThrow(/\/nonexistent\/busy-config/);
  });
});
