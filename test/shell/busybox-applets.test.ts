/**
 * The trimmed busybox (defaults/busy-config) still has every applet the init runs. The init
 * (defaults/linuxrc), its library (initrd.scripts, initrd.lib/*.sh), every feature fragment
 * (initrd.d/*.sh) and the SSH helpers (defaults/ssh: gk-unlock, resume-boot, the udhcpc script)
 * are read for the commands they run; each must be a shell builtin, a function of those
 * scripts, an applet of the busybox built from the default config, or a binary a feature ships.
 * The busybox binaries are the ones the global setup built (or found cached) for both KMOD
 * settings, so a trimmed applet fails here, not in a boot.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTools } from '../../src/gkbuild/index.js';
import { gkbuildTestContext, removeTestDirs } from '../../src/gkbuild/test-context.js';
import { busyboxApplets } from '../../src/features/busybox.js';
import { TEST_CACHEDIR, TEST_DISTDIR } from '../shared-cache.js';
import { commandWords, definedFunctions } from './script-commands.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** busybox ash's builtins (with ASH_ECHO, ASH_PRINTF, ASH_TEST on, as in defconfig). */
const ASH_BUILTINS = new Set(['.', ':', '[', 'break', 'cd', 'command', 'continue', 'echo', 'eval', 'exec', 'exit', 'export', 'false', 'kill', 'printf', 'pwd', 'read', 'readonly', 'return', 'set', 'shift', 'test', 'trap', 'true', 'type', 'umask', 'unset', 'wait']);

/** Binaries other than busybox that a feature puts into the image, and the feature that does. */
const FEATURE_BINARIES: Record<string, string> = {
  btrfs: 'btrfs',
  cryptsetup: 'luks',
  dmsetup: 'luks',
  dropbear: 'ssh',
  lvm: 'lvm',
  mdadm: 'mdadm',
  zfs: 'zfs',
  zpool: 'zfs',
};

/**
 * Applets reached through a variable, which the reader cannot see: gk.emergency's action
 * (rescue.sh runs "$gkf_action" -f) and, with KMOD=no, $GK_MODPROBE (/sbin/modprobe).
 */
const THROUGH_VARIABLES = ['reboot', 'poweroff', 'halt'];
const MODUTILS = ['modprobe', 'insmod', 'rmmod', 'lsmod'];
/** What someone in the rescue shell (or an SSH session) needs to look around and repair. */
const RESCUE = ['sh', 'ls', 'cat', 'cp', 'mv', 'rm', 'mkdir', 'ln', 'mount', 'umount', 'vi', 'less', 'ps', 'dmesg', 'grep', 'sed', 'df', 'chroot', 'switch_root'];

function scripts(): string[] {
  const dir = (d: string) => readdirSync(join(REPO, d)).sort().map((f) => `${d}/${f}`);
  return ['defaults/linuxrc', 'defaults/initrd.scripts', ...dir('defaults/initrd.lib'), ...dir('defaults/initrd.d'), ...dir('defaults/ssh')];
}

/** Each external command of the init's scripts, with the files that run it. */
function initCommands(): Map<string, string[]> {
  const sources = scripts().map((f) => [f, readFileSync(join(REPO, f), 'utf8')] as const);
  const functions = new Set(sources.flatMap(([, s]) => [...definedFunctions(s)]));
  const found = new Map<string, string[]>();
  for (const [file, src] of sources) {
    for (const c of commandWords(src)) {
      if (functions.has(c) || ASH_BUILTINS.has(c)) continue;
      found.set(c, [...(found.get(c) ?? []), file]);
    }
  }
  return found;
}

/** Applet names of the busybox built from the default config with KMOD on or off. */
async function appletNames(kmod: boolean): Promise<Set<string>> {
  const { ctx } = gkbuildTestContext({ distdir: TEST_DISTDIR, cache: TEST_CACHEDIR, settings: { KMOD: kmod } });
  const tool = (await ensureTools(ctx, ['busybox'])).get('busybox')!;
  const paths = await busyboxApplets(join(tool.root, 'bin', 'busybox'));
  return new Set(paths.map((p) => p.split('/').pop()!));
}

describe('the script reader', () => {
  it('finds commands after separators, keywords and inside $(...), not in strings, case patterns or assignments', () => {
    const src = [
      'f() {',
      '\tX=1 foo -a | bar >&2 && ! baz 2>/dev/null',
      '\tif qux; then echo "not a command; $(inner x)"; fi',
      "\tcase \"$1\" in",
      '\tyes | no) arm1 ;; 0) arm2 ;;',
      '\tesac',
      "\tfor w in a b; do seq 3; done # comment cmd",
      "\techo 'quoted; cmd' $((1 + 2)) ${v:-x}",
      '\texec switch_root /newroot /sbin/init',
      '}',
    ].join('\n');
    expect([...commandWords(src)].sort()).toEqual(['arm1', 'arm2', 'bar', 'baz', 'echo', 'exec', 'foo', 'inner', 'qux', 'seq', 'switch_root'].sort());
    expect([...definedFunctions(src)]).toEqual(['f']);
  });

  it('sees the commands every part of the init is known to run', () => {
    const found = initCommands();
    for (const c of ['switch_root', 'mount', 'udhcpc', 'loadkmap', 'cryptsetup', 'dropbear', 'sort', 'findfs']) expect(found.has(c), c).toBe(true);
  });
});

describe('the default busybox has every applet the init runs', () => {
  let withKmod: Set<string>;
  let withoutKmod: Set<string>;
  beforeAll(async () => {
    withKmod = await appletNames(true);
    withoutKmod = await appletNames(false);
  }, 900_000);
  afterAll(removeTestDirs);

  it('each command of the scripts is an applet or a binary a feature ships', () => {
    const missing: string[] = [];
    for (const [cmd, files] of initCommands()) {
      if (withKmod.has(cmd) || withoutKmod.has(cmd)) continue;
      const feature = FEATURE_BINARIES[cmd];
      if (feature && readFileSync(join(REPO, 'src', 'features', `${feature}.ts`), 'utf8').includes(cmd)) continue;
      missing.push(`${cmd} (run in ${files.join(', ')})`);
    }
    expect(missing, 'commands the image would not have: enable the applet in defaults/busy-config').toEqual([]);
  });

  it('both builds have the applets reached through variables and a usable rescue shell', () => {
    for (const set of [withKmod, withoutKmod]) {
      for (const a of [...THROUGH_VARIABLES, ...RESCUE]) expect(set.has(a), a).toBe(true);
    }
  });

  it('the modutils applets are there for KMOD=no and left to kmod otherwise', () => {
    for (const a of MODUTILS) {
      expect(withoutKmod.has(a), a).toBe(true);
      expect(withKmod.has(a), a).toBe(false);
    }
  });

  it('is trimmed: far fewer applets than defconfig', () => {
    expect(withKmod.size).toBeLessThan(150);
  });
});
