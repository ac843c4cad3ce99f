import { GkError } from '../errors.js';
import { COMPRESSION_FACTS, type ModuleCompression } from './compression.js';
import type { HostKmod } from './host-kmod.js';

/** How to give kmod each library: the Gentoo USE flag and the configure switch. */
const REBUILD_HOWTO: Record<string, string> = {
  ZLIB: 'USE=zlib on sys-apps/kmod, or ./configure --with-zlib',
  XZ: 'USE=lzma on sys-apps/kmod, or ./configure --with-xz',
  ZSTD: 'USE=zstd on sys-apps/kmod, or ./configure --with-zstd',
};

/** Compressions the host kmod can read, best first (what to suggest instead). */
export function readableCompressions(host: HostKmod): ModuleCompression[] {
  const order: ModuleCompression[] = ['zstd', 'xz', 'gzip', 'none'];
  return order.filter((c) => {
    const f = COMPRESSION_FACTS[c].kmodFeature;
    return f === undefined || host.features.has(f);
  });
}

/**
 * Refuses a build whose modules the host kmod cannot read: depmod would skip every module (an
 * image without drivers), so we stop before that and name both ways out. A missing kmod is refused
 * too: depmod is what indexes the modules of every image.
 */
export function checkModuleCompressionSupport(compression: ModuleCompression, host: HostKmod | undefined): void {
  const facts = COMPRESSION_FACTS[compression];
  if (!host) {
    throw new GkError(
      'kmod was not found on this system: depmod and modprobe are needed to index and load kernel modules',
      `install kmod${facts.kmodFeature ? ` built with ${facts.kmodFeature} support (${REBUILD_HOWTO[facts.kmodFeature]})` : ''}`,
    );
  }
  const feature = facts.kmodFeature;
  if (feature === undefined || host.features.has(feature)) return;
  const alternatives = readableCompressions(host)
    .map((c) => `${COMPRESSION_FACTS[c].configSymbol}=y`)
    .join(' or ');
  throw new GkError(
    `the kernel compresses modules with ${compression} (${facts.configSymbol}=y, files ${facts.suffix}) but the host kmod ${host.version} cannot read them: it was built with ${host.featureLine || 'no compression support'}`,
    `rebuild kmod with ${feature} support (${REBUILD_HOWTO[feature]}), or change the kernel to ${alternatives} and rebuild it`,
  );
}
