/**
 * Disks that need device-mapper to make, prepared inside QEMU (prepare-crypt.sh) and cached like
 * the storage scenarios' disks: a LUKS2 swap (hibernation into an encrypted swap), and a LUKS2
 * root whose header is a file on a second disk (root_header=, root_headerdev=).
 */
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BootFixture } from '../fixture.js';
import { preparedDisks, type PreparedDisks } from './disks.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'prepare-crypt.sh');

export const CRYPT = {
  passphrase: 'tsgk swap and header',
  cswapLabel: 'tsgkcswap',
  cswapUuid: '6b7c8d9e-0f1a-4b2c-8d3e-4f5a6b7c8d9e',
  cswapInnerLabel: 'tsgkswapin',
  hdrLabel: 'tsgkhdrs',
  headerPath: '/headers/root.hdr',
} as const;

/** Disk name -> MiB, attached to the preparer in this order. */
const LAYOUT = { cswap: 96, hdrdata: 48, hdr: 40 } as const;
export type CryptDiskName = keyof typeof LAYOUT;
const NAMES = Object.keys(LAYOUT) as CryptDiskName[];
const devOf = (n: CryptDiskName) => `vd${String.fromCharCode(97 + NAMES.indexOf(n))}`;

function env(): string {
  const v: Record<string, string> = {
    PASSPHRASE: CRYPT.passphrase,
    CSWAP_DISK: devOf('cswap'),
    CSWAP_LABEL: CRYPT.cswapLabel,
    CSWAP_UUID: CRYPT.cswapUuid,
    CSWAP_INNER_LABEL: CRYPT.cswapInnerLabel,
    HDRDATA_DISK: devOf('hdrdata'),
    HDR_DISK: devOf('hdr'),
    HDR_LABEL: CRYPT.hdrLabel,
    HEADER_PATH: CRYPT.headerPath,
    LAST_DISK: devOf(NAMES[NAMES.length - 1]!),
  };
  return Object.entries(v).map(([k, val]) => `${k}='${val}'\n`).join('');
}

const TOOLS = [
  ['/bin/kmod', 'sbin/modprobe'],
  ['/sbin/cryptsetup', 'sbin/cryptsetup'],
  ['/sbin/mke2fs', 'sbin/mke2fs'],
] as const;
const MODULES = ['virtio_pci', 'virtio_blk', 'crc32c_generic', 'ext4', 'dm_mod', 'dm_crypt', 'xts', 'af_alg', 'algif_skcipher', 'algif_hash'];

/** The prepared disks, from the cache or made in one QEMU run. */
export function cryptDisks(fx: BootFixture): Promise<PreparedDisks<CryptDiskName>> {
  return preparedDisks(fx, 'crypt-disks', LAYOUT, { script: SCRIPT, env: env(), tools: TOOLS, modules: MODULES });
}
