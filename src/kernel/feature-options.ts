import type { Settings } from '../config/option-table.js';
import type { RequiredOption } from './required-options.js';

type FeatureSettings = Pick<Settings, 'LUKS' | 'LVM' | 'MDADM' | 'MICROCODE'>;

const y = (option: string, reason: string): RequiredOption => ({ option, reason, value: 'y' });
/** Built in or a module, whichever the config has; a module when it has neither (y without CONFIG_MODULES). */
const tristate = (option: string, reason: string): RequiredOption => ({ option, reason, value: 'module' });
/** Set as genkernel sets it, but a config whose dependencies drop it again is not an error. */
const optional = (o: RequiredOption): RequiredOption => ({ ...o, optional: true });

/**
 * The kernel options each initramfs feature needs, as genkernel's configure step forces them
 * (gen_configkernel.sh in 4.3): the same symbols, bools as y, drivers as y-or-m. Facts only:
 * - --luks: device-mapper crypt, the XTS/AES/SHA256/Serpent modes LUKS uses by default, and the
 *   user-space crypto API cryptsetup's benchmark and PBKDF use; on x86 the accelerated variants.
 * - --lvm: device-mapper with snapshot and mirror targets, and file locking for lvm's lock files.
 * - --mdadm: md with the linear and RAID 0/1/10/4-5-6 personalities (and device-mapper, as genkernel).
 * - --microcode=all|amd|intel on x86: the microcode loader and each vendor's driver (from Linux 6.6
 *   the vendor drivers follow CPU_SUP_AMD / CPU_SUP_INTEL).
 * `kernelVersion` is the tree's "6.1.158"; `arch` the kernel ARCH being built.
 */
export function featureKernelOptions(s: FeatureSettings, kernelVersion: string, arch: string | undefined): RequiredOption[] {
  const out: RequiredOption[] = [];
  const dm = (why: string) => [y('BLOCK', why), y('MD', why), tristate('BLK_DEV_DM', why)];
  if (s.LUKS) {
    const why = '--luks (dm-crypt)';
    out.push(...dm(why), y('CRYPTO', why), y('NET', why), tristate('DM_CRYPT', why));
    for (const o of ['CRYPTO_XTS', 'CRYPTO_SHA256', 'CRYPTO_AES', 'CRYPTO_SERPENT', 'CRYPTO_USER_API_HASH', 'CRYPTO_USER_API_SKCIPHER']) out.push(tristate(o, why));
    out.push(optional(tristate('CRYPTO_USER_API_AEAD', why)));
    if (arch === 'x86') {
      for (const o of ['CRYPTO_AES_NI_INTEL', 'CRYPTO_SHA1_SSSE3', 'CRYPTO_SHA256_SSSE3', 'CRYPTO_SERPENT_SSE2_X86_64', 'CRYPTO_SERPENT_AVX_X86_64', 'CRYPTO_SERPENT_AVX2_X86_64']) {
        out.push(optional(tristate(o, `${why}, accelerated on x86`)));
      }
    }
  }
  if (s.LVM) {
    const why = '--lvm (device-mapper)';
    out.push(...dm(why), tristate('DM_SNAPSHOT', why), tristate('DM_MIRROR', why), y('FILE_LOCKING', why));
  }
  if (s.MDADM) {
    const why = '--mdadm (md RAID)';
    out.push(...dm(why), tristate('BLK_DEV_MD', why));
    for (const o of ['MD_LINEAR', 'MD_RAID0', 'MD_RAID1', 'MD_RAID10', 'MD_RAID456']) out.push(tristate(o, why));
  }
  const vendors = { all: ['AMD', 'INTEL'], amd: ['AMD'], intel: ['INTEL'] }[s.MICROCODE as 'all' | 'amd' | 'intel'];
  if (vendors && arch === 'x86') {
    const why = `--microcode=${s.MICROCODE} (early microcode loading)`;
    const [major = 0, minor = 0] = kernelVersion.split('.').map((n) => Number.parseInt(n, 10));
    const cpuSup = major > 6 || (major === 6 && minor >= 6);
    out.push(y('MICROCODE', why), ...vendors.map((v) => y(cpuSup ? `CPU_SUP_${v}` : `MICROCODE_${v}`, why)));
  }
  // One entry per option: the first reason wins (BLK_DEV_DM is wanted by three features).
  return out.filter((o, i) => out.findIndex((p) => p.option === o.option) === i);
}
