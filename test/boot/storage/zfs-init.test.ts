/**
 * 60-zfs.sh's logic against stand-in zpool/zfs/mount (see fragment-harness.ts). ZFS cannot be
 * booted here: the reachable package archive has no ZFS module or userland.
 */
import { describe, test, expect } from 'vitest';
import { ROOT_STEPS, runFragments } from './fragment-harness.js';

/** zpool/zfs stand-ins for one pool "rpool" whose bootfs is rpool/ROOT/debian. */
function zfsTools(opts: { mountpoint?: string; datasets?: string[]; bootfs?: string } = {}) {
  const datasets = (opts.datasets ?? ['rpool', 'rpool/ROOT', 'rpool/ROOT/debian']).join(' ');
  return {
    zpool: `case "$1" in
list) case "$*" in *bootfs*) echo "${opts.bootfs ?? 'rpool/ROOT/debian'}" ;; *) echo rpool ;; esac ;;
esac
exit 0`,
    zfs: `case "$1" in
list) for d in ${datasets}; do [ "$d" = "$5" ] && { echo "$d"; exit 0; }; done; exit 1 ;;
get) echo "${opts.mountpoint ?? '/'}" ;;
esac
exit 0`,
    mount: 'exit 0',
  };
}

describe('60-zfs.sh', () => {
  test('dozfs root=ZFS=pool/dataset: load zfs, import without mounting, mount with zfsutil', () => {
    const r = runFragments({ fragments: ['60-zfs.sh'], cmdline: 'dozfs root=ZFS=rpool/ROOT/debian', tools: zfsTools() });
    expect(r.exitCode, r.output).toBe(0);
    expect(r.calls).toContain('modprobe zfs');
    expect(r.calls).toContain('zpool import -N -a');
    expect(r.calls).toContain('zfs list -H -o name rpool/ROOT/debian');
    const mount = r.calls.find((c) => c.startsWith('mount '));
    expect(mount).toMatch(/^mount -t zfs -o zfsutil,ro rpool\/ROOT\/debian \S+\/newroot$/);
    expect(r.output).toContain('ROOT-MOUNTED dev=rpool/ROOT/debian real_root=ZFS=rpool/ROOT/debian');
    // The dataset came through the init's root handlers (the extension point), not redefined steps.
    expect(r.output).toContain('waiting up to 1 s for ZFS dataset rpool/ROOT/debian');
  });

  test('root=ZFS=... alone turns ZFS on (no dozfs needed)', () => {
    const r = runFragments({ fragments: ['60-zfs.sh'], cmdline: 'root=ZFS=rpool/ROOT/debian', tools: zfsTools() });
    expect(r.exitCode, r.output).toBe(0);
    expect(r.calls).toContain('zpool import -N -a');
  });

  test('root=ZFS takes the pool bootfs; dozfs=force imports with -f; rw and rootflags reach the mount', () => {
    const r = runFragments({ fragments: ['60-zfs.sh'], cmdline: 'root=ZFS dozfs=force rw rootflags=noatime', tools: zfsTools() });
    expect(r.exitCode, r.output).toBe(0);
    expect(r.calls).toContain('zpool import -N -a -f');
    expect(r.output).toContain("zfs: root is the pool's bootfs rpool/ROOT/debian");
    expect(r.calls.find((c) => c.startsWith('mount '))).toMatch(/^mount -t zfs -o zfsutil,rw,noatime rpool\/ROOT\/debian /);
  });

  test('root=ZFS with no bootfs set: the boot stops naming the reason', () => {
    const r = runFragments({ fragments: ['60-zfs.sh'], cmdline: 'root=ZFS', tools: zfsTools({ bootfs: '-' }) });
    expect(r.output).toContain('no imported pool sets bootfs');
    expect(r.output).toContain("BOOT FAILED: boot hook 'zfs_import' (at pre_root) failed");
    expect(r.calls.some((c) => c.startsWith('mount '))).toBe(false);
  });

  test('mountpoint=legacy: no zfsutil option', () => {
    const r = runFragments({ fragments: ['60-zfs.sh'], cmdline: 'dozfs root=ZFS=rpool/ROOT/debian', tools: zfsTools({ mountpoint: 'legacy' }) });
    expect(r.calls.find((c) => c.startsWith('mount '))).toMatch(/^mount -t zfs -o ro rpool\/ROOT\/debian /);
  });

  test('dozfs=cache imports from the shipped pool cache', () => {
    const r = runFragments({
      fragments: ['60-zfs.sh'],
      cmdline: 'dozfs=cache root=ZFS=rpool/ROOT/debian',
      tools: zfsTools(),
      steps: `ZFS_CACHE=$(mktemp); gk_run_hooks pre_root && echo done`,
    });
    expect(r.calls.some((c) => /^zpool import -N -a -c \S+$/.test(c)), r.calls.join('\n')).toBe(true);
  });

  test('a dataset that never appears: failure message with the imported pools, within the timeout', () => {
    const r = runFragments({ fragments: ['60-zfs.sh'], cmdline: 'dozfs root=ZFS=rpool/ROOT/gone', tools: zfsTools() });
    expect(r.output).toContain('BOOT FAILED: ZFS dataset rpool/ROOT/gone did not appear within 1 s');
    expect(r.output).toContain('imported pools: rpool');
    expect(r.output).toContain('RESCUE-SHELL');
  });

  test('without dozfs or a ZFS root nothing is registered and the block-device steps stay', () => {
    const r = runFragments({
      fragments: ['60-zfs.sh'],
      cmdline: 'root=/dev/vda',
      tools: zfsTools(),
      steps: 'echo "pre_root=[$gk_hooks_pre_root] handlers=$gk_wait_root_handler,$gk_mount_root_handler"',
    });
    expect(r.output).toContain('pre_root=[] handlers=gk_wait_block_root,gk_mount_block_root');
    expect(r.calls).toEqual([]);
  });
});

describe('60-zfs.sh: ZFSBootMenu root=zfs: and native encryption', () => {
  test('root=zfs:pool/dataset is root=ZFS=pool/dataset; root=zfs:AUTO takes the bootfs', () => {
    const r = runFragments({ fragments: ['60-zfs.sh'], cmdline: 'root=zfs:rpool/ROOT/debian', tools: zfsTools() });
    expect(r.exitCode, r.output).toBe(0);
    expect(r.calls).toContain('zpool import -N -a');
    expect(r.calls.find((c) => c.startsWith('mount '))).toMatch(/^mount -t zfs -o zfsutil,ro rpool\/ROOT\/debian /);
    const auto = runFragments({ fragments: ['60-zfs.sh'], cmdline: 'root=zfs:AUTO', tools: zfsTools() });
    expect(auto.output).toContain("zfs: root is the pool's bootfs rpool/ROOT/debian");
    expect(auto.output).toContain('ROOT-MOUNTED dev=rpool/ROOT/debian');
  });

  test('an encrypted root: zfs load-key on its encryption root with the typed passphrase, retried, then the mount', () => {
    const r = runFragments({
      fragments: ['60-zfs.sh'],
      cmdline: 'root=zfs:rpool/ROOT/debian',
      tools: encryptedZfsTools(),
      steps: `printf 'wrong\\nsecret\\n' | { ${ROOT_STEPS}; }`,
    });
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output).toContain('Enter passphrase for ZFS dataset rpool/ROOT: ');
    expect(r.output).toContain('zfs: wrong passphrase for rpool/ROOT (attempt 1 of 3)');
    expect(r.output).toContain('zfs: the key of rpool/ROOT is loaded');
    expect(r.calls.filter((c) => c === 'zfs load-key rpool/ROOT')).toHaveLength(2);
    // The key before the mount.
    const loads = r.calls.lastIndexOf('zfs load-key rpool/ROOT');
    expect(loads).toBeLessThan(r.calls.findIndex((c) => c.startsWith('mount ')));
    expect(r.output).toContain('ROOT-MOUNTED dev=rpool/ROOT/debian');
  });

  test('gk.userinteraction.disabled=1: no prompt, the boot stops naming the key that is missing (gk.emergency= acts)', () => {
    const r = runFragments({
      fragments: ['60-zfs.sh'],
      cmdline: 'root=zfs:rpool/ROOT/debian gk.userinteraction.disabled=1 gk.emergency=poweroff',
      tools: encryptedZfsTools(),
    });
    expect(r.output).toContain("gk.userinteraction.disabled: not asking 'Enter passphrase for ZFS dataset rpool/ROOT: '");
    expect(r.output).toContain('BOOT FAILED: the key of ZFS dataset rpool/ROOT/debian is not loaded');
    expect(r.calls).toContain('poweroff -f');
    expect(r.calls.some((c) => c.startsWith('zfs load-key') || c.startsWith('mount '))).toBe(false);
  });

  test('gk.prompt.timeout=1 and nobody types: the prompt gives up after a second, then the rescue path', () => {
    const started = Date.now();
    const r = runFragments({
      fragments: ['60-zfs.sh'],
      cmdline: 'root=zfs:rpool/ROOT/debian gk.prompt.timeout=1',
      tools: encryptedZfsTools(),
      shell: 'busybox',
      // stdin stays open and silent for longer than the timeout.
      steps: `sleep 8 | { ${ROOT_STEPS}; }`,
    });
    expect(r.output).toContain('no answer within 1 s (gk.prompt.timeout)');
    expect(r.output).toContain('BOOT FAILED: the key of ZFS dataset rpool/ROOT/debian is not loaded');
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  test('keylocation=file://: the key is loaded without a prompt', () => {
    const r = runFragments({ fragments: ['60-zfs.sh'], cmdline: 'root=zfs:rpool/ROOT/debian', tools: encryptedZfsTools('file:///etc/zfs/root.key') });
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output).toContain('zfs: loading the key of rpool/ROOT from file:///etc/zfs/root.key');
    expect(r.output).not.toContain('Enter passphrase');
    expect(r.output).toContain('ROOT-MOUNTED');
  });
});

/** zfsTools whose rpool/ROOT is an encryption root with passphrase "secret" (key loaded once load-key succeeded). */
function encryptedZfsTools(keylocation = 'prompt') {
  const base = zfsTools();
  return {
    ...base,
    zfs: `KEYED="$(dirname "$LOG")/keyed"
case "$1 $5" in
"get keystatus") [ -e "$KEYED" ] && echo available || echo unavailable; exit 0 ;;
"get encryptionroot") echo rpool/ROOT; exit 0 ;;
"get keylocation") echo ${keylocation}; exit 0 ;;
esac
if [ "$1" = load-key ]; then
  if [ "${keylocation}" != prompt ]; then : >"$KEYED"; exit 0; fi
  read -r pass; [ "$pass" = secret ] && { : >"$KEYED"; exit 0; }; exit 1
fi
${base.zfs}`,
  };
}
