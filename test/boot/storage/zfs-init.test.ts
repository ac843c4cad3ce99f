/**
 * 60-zfs.sh's logic against stand-in zpool/zfs/mount (see fragment-harness.ts). ZFS cannot be
 * booted here: the reachable package archive has no ZFS module or userland.
 */
import { describe, test, expect } from 'vitest';
import { runFragments } from './fragment-harness.js';

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
