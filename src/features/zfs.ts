import { stat } from 'node:fs/promises';
import type { Feature } from './feature.js';
import { addBootFragment, bootPath, type BootFragment } from './boot-fragment.js';
import { addHostBinary } from '../elf/add-host-binary.js';
import { findHostTool, requireHostTool } from '../path-lookup.js';
import type { LibrarySearchOptions } from '../elf/search-paths.js';

export const ZFS_MODULES = ['zfs'];
/** The pool cache in the image; 60-zfs.sh imports from it on dozfs=cache. */
export const IMAGE_ZPOOL_CACHE = 'etc/zfs/zpool.cache';

export const zfsBoot: BootFragment = { file: '60-zfs.sh', conf: () => ({ ZFS_MODULES, ZFS_CACHE: bootPath(IMAGE_ZPOOL_CACHE) }) };

export interface ZfsFeatureOptions extends LibrarySearchOptions {
  /** Directories searched for zpool, zfs and mount.zfs (tests: a dir of stand-ins). */
  toolPath?: readonly string[];
  /** Host files copied when present: the host id (pools remember which host imported them) and the pool cache. */
  hostIdFile?: string;
  poolCacheFile?: string;
}

/**
 * --zfs: zpool and zfs copied from the host with their closure (no gkbuild: ZFS is built out of
 * tree against the kernel, and this project's package archive has none), the zfs module, and
 * 60-zfs.sh which imports pools on dozfs and mounts root=ZFS=pool/dataset.
 */
export function createZfsFeature(opts: ZfsFeatureOptions = {}): Feature {
  const search: LibrarySearchOptions = { ldSoConf: opts.ldSoConf, systemDirs: opts.systemDirs };
  return {
    name: 'zfs',
    enabled: (ctx) => ctx.settings.ZFS,
    modules: () => ZFS_MODULES,
    async install(ctx, image) {
      for (const tool of ['zpool', 'zfs']) {
        const host = await requireHostTool(tool, '--zfs', 'install the ZFS userland (zfsutils-linux)', opts.toolPath);
        await addHostBinary(image, host, `sbin/${tool}`, search);
      }
      // mount -t zfs hands dataset names to this helper when present; the kernel mount works without it.
      const helper = await findHostTool('mount.zfs', opts.toolPath);
      if (helper) await addHostBinary(image, helper, 'sbin/mount.zfs', search);
      for (const [host, inImage] of [
        [opts.hostIdFile ?? '/etc/hostid', 'etc/hostid'],
        [opts.poolCacheFile ?? '/etc/zfs/zpool.cache', IMAGE_ZPOOL_CACHE],
      ] as const) {
        if ((await stat(host).catch(() => undefined))?.isFile()) {
          image.addFile(inImage, host, 0o644);
          ctx.log.debug(`zfs: ${host} -> /${inImage}`);
        }
      }
      addBootFragment(image, zfsBoot);
    },
    boot: zfsBoot,
  };
}

export const zfsFeature = createZfsFeature();
