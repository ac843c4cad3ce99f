/**
 * Runs the init's storage fragments on the host under dash (POSIX sh; busybox's ash would
 * prefer its own applets over the stand-ins), with every tool they call replaced by a
 * stand-in script that logs its arguments and answers as configured. This tests the init
 * logic where a boot cannot (ZFS: no ZFS in the reachable package archive).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../fixture.js';
import { TEST_KV } from '../../debian-kernel.js';
import { FEATURES } from '../../../src/features/registry.js';
import { confFileOf, renderConf } from '../../../src/features/boot-fragment.js';

export interface FragmentRun {
  /** stdout + stderr of the init steps. */
  output: string;
  /** One line per stand-in call: "tool arg1 arg2 ...". */
  calls: string[];
  exitCode: number;
}

export interface FragmentScenario {
  /** Fragments from defaults/initrd.d to source, in order. */
  fragments: string[];
  cmdline: string;
  /** Stand-in tools: name -> shell body (runs with "$@"; "$LOG" receives the call line first). */
  tools: Record<string, string>;
  /** Shell run after the fragments are sourced (default: the init's root steps). */
  steps?: string;
  /** Shell run before the fragments are sourced (override fragment variables afterwards in steps). */
  setup?: string;
  /**
   * The shell: dash (default), or busybox ash for what only the init's shell has (read -t).
   * Under busybox its applets win over stand-ins of the same name (mount, uname).
   */
  shell?: 'dash' | 'busybox';
}

export const ROOT_STEPS = 'gk_run_hooks modules && gk_run_hooks pre_root && gk_wait_root && gk_mount_root && echo "ROOT-MOUNTED dev=$GK_ROOT_DEV real_root=$REAL_ROOT"';

export function runFragments(s: FragmentScenario): FragmentRun {
  const dir = mkdtempSync(join(tmpdir(), 'tsgk-frag-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const log = join(dir, 'calls.log');
  writeFileSync(log, '');
  // uname and modprobe stand in too; the fragments look for /lib/modules/$GK_KV, which is set to
  // the test kernel's release below (gk_set_defaults reads the running kernel's).
  // reboot, poweroff and halt never reach the host's: their stand-ins end the shell running the
  // init steps, as the real ones end the machine.
  const ending = Object.fromEntries(['reboot', 'poweroff', 'halt'].map((t) => [t, 'kill -TERM $PPID']));
  const tools: Record<string, string> = { uname: `echo ${TEST_KV}`, ...ending, ...s.tools };
  for (const [name, body] of Object.entries(tools)) {
    const p = join(bin, name);
    writeFileSync(p, `#!/bin/sh\necho "${name} $*" >>"$LOG"\n${body}\n`);
    chmodSync(p, 0o755);
  }
  if (!existsSync(join(bin, 'modprobe'))) {
    writeFileSync(join(bin, 'modprobe'), '#!/bin/sh\necho "modprobe $*" >>"$LOG"\n');
    chmodSync(join(bin, 'modprobe'), 0o755);
  }
  // Each fragment with the conf its feature generates, sourced the way /init does.
  const confDir = join(dir, 'initrd.d');
  mkdirSync(confDir);
  const fragment = (f: string) => {
    const boot = FEATURES.find((feature) => feature.boot?.file === f)?.boot;
    if (!boot) throw new Error(`no feature installs the fragment ${f}`);
    writeFileSync(join(confDir, confFileOf(f)), renderConf(boot.conf()));
    writeFileSync(join(confDir, f), readFileSync(join(REPO, 'defaults', 'initrd.d', f)));
    return `gk_source_fragment '${join(confDir, f)}'`;
  };
  // The library's files directly: /etc/initrd.scripts sources them from their place in the image.
  const lib = join(REPO, 'defaults', 'initrd.lib');
  const script = [
    ...readdirSync(lib).filter((f) => f.endsWith('.sh')).sort().map((f) => `. '${join(lib, f)}'`),
    `GK_CMDLINE='${s.cmdline}'`,
    'gk_set_defaults',
    'gk_parse_cmdline "$GK_CMDLINE"',
    // Host-safe versions of what would touch the machine or wait long.
    `GK_KV='${TEST_KV}'`,
    `GK_MODPROBE='${join(bin, 'modprobe')}'`,
    `GK_NEWROOT='${join(dir, 'newroot')}'`,
    `GK_OPENED='${join(dir, 'gk-opened')}'`,
    'GK_ROOT_TIMEOUT_DEFAULT=1',
    'gk_rescue_shell() { echo "RESCUE-SHELL"; exit 3; }',
    'gk_describe_block_devices() { echo "!!     (block devices not listed in the harness)"; }',
    'gk_load_device_modules() { :; }',
    s.setup ?? '',
    ...s.fragments.map(fragment),
    s.steps ?? ROOT_STEPS,
  ].join('\n');
  const [shell, ...shellArgs] = s.shell === 'busybox' ? ['busybox', 'sh'] : ['dash'];
  const res = spawnSync(shell!, [...shellArgs, '-c', script], {
    encoding: 'utf8',
    env: { PATH: `${bin}:/usr/bin:/bin`, LOG: log },
    timeout: 30_000,
  });
  return {
    output: `${res.stdout ?? ''}${res.stderr ?? ''}`,
    calls: readFileSync(log, 'utf8').split('\n').filter(Boolean),
    exitCode: res.status ?? 1,
  };
}
