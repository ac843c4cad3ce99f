import type { Feature } from './feature.js';
import { addBootFragment, type BootFragment } from './boot-fragment.js';
import { addHostBinary } from '../elf/add-host-binary.js';
import { findHostTool, requireHostTool } from '../path-lookup.js';

/**
 * --luks: cryptsetup from the host (with its library closure) and the device-mapper crypt
 * target with the ciphers LUKS uses by default. The boot side (30-luks.sh) opens crypt_root=
 * as /dev/mapper/root, with a typed passphrase or a key file (root_key=, root_keydev=).
 *
 * Built from a gkbuild it would need static libcryptsetup, libdevmapper, json-c, argon2,
 * popt, libuuid, libblkid and a crypto backend: Debian's binary plus closure is the
 * pragmatic source.
 */
/**
 * Loaded by 30-luks.sh before unlocking; the ciphers and hashes are requested by dm-crypt and the
 * crypto API through the kernel's module loader when a volume needs them.
 */
export const LUKS_BOOT_MODULES = ['dm_mod', 'dm_crypt', 'xts', 'af_alg', 'algif_skcipher', 'algif_hash'];

export const LUKS_MODULES = [
  'dm_mod',
  'dm_crypt',
  // aes-xts-plain64 is LUKS2's default; cbc/essiv for older LUKS1 volumes.
  'aes',
  'aesni_intel',
  'xts',
  'ecb',
  'cbc',
  'essiv',
  'sha256',
  'sha512',
  // libcryptsetup decrypts key slots through AF_ALG sockets.
  'af_alg',
  'algif_skcipher',
  'algif_hash',
];

/**
 * crypt_root_options= / crypt_swap_options= pass these to `cryptsetup open`, nothing else: they
 * tune how the mapping works (discards, dm-crypt queues, read-only, which key slot or part of a
 * key file) but cannot point cryptsetup at another header, a volume key or a test mode.
 */
export const LUKS_FLAG_OPTIONS = [
  '--allow-discards',
  '--perf-same_cpu_crypt',
  '--perf-submit_from_crypt_cpus',
  '--perf-no_read_workqueue',
  '--perf-no_write_workqueue',
  '--readonly',
  '--disable-keyring',
  '--disable-locks',
  '--serialize-memory-hard-pbkdf',
  '--integrity-no-journal',
];
/** Options with a number: written --name=N. */
export const LUKS_NUMBER_OPTIONS = ['--key-slot', '--keyfile-offset', '--keyfile-size'];

export const luksBoot: BootFragment = {
  file: '30-luks.sh',
  conf: () => ({
    LUKS_MODULES: LUKS_BOOT_MODULES,
    // The mappings of crypt_root= and crypt_swap=: /dev/mapper/root and /dev/mapper/swap, as
    // genkernel names them.
    LUKS_ROOT_NAME: 'root',
    LUKS_SWAP_NAME: 'swap',
    // Where root_keydev= / swap_keydev= is mounted while the key file is read.
    LUKS_KEYMNT: '/run/gk-luks-keydev',
    // Where root_headerdev= / swap_headerdev= is mounted while the container is opened.
    LUKS_HEADERMNT: '/run/gk-luks-headerdev',
    LUKS_FLAG_OPTIONS: LUKS_FLAG_OPTIONS,
    LUKS_NUMBER_OPTIONS: LUKS_NUMBER_OPTIONS,
  }),
};

export function createLuksFeature(opts: { toolPath?: readonly string[] } = {}): Feature {
  return {
    name: 'luks',
    enabled: (ctx) => ctx.settings.LUKS,
    modules: () => LUKS_MODULES,
    async install(ctx, image) {
      const cryptsetup = await requireHostTool('cryptsetup', '--luks', 'install cryptsetup-bin', opts.toolPath);
      // glibc dlopens libgcc_s when a thread exits by cancellation (cryptsetup's argon2 threads).
      const added = await addHostBinary(image, cryptsetup, 'sbin/cryptsetup', { dlopened: ['libgcc_s.so.1'] });
      ctx.log.debug(`luks: ${cryptsetup} with ${added.libraries.length} library entries`);
      // dmsetup helps in the rescue shell (dmsetup table, remove); optional.
      const dmsetup = await findHostTool('dmsetup', opts.toolPath);
      if (dmsetup) await addHostBinary(image, dmsetup, 'sbin/dmsetup');
      addBootFragment(image, luksBoot);
    },
    boot: luksBoot,
  };
}

export const luksFeature = createLuksFeature();
