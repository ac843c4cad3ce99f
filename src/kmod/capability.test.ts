import { describe, expect, it } from 'vitest';
import { GkError } from '../errors.js';
import { checkModuleCompressionSupport, readableCompressions } from './capability.js';
import type { ModuleCompression } from './compression.js';
import { parseKmodVersion } from './host-kmod.js';

const hosts = {
  debian12: parseKmodVersion('kmod version 30\n+ZSTD +XZ -ZLIB +LIBCRYPTO -EXPERIMENTAL'),
  everything: parseKmodVersion('kmod version 33\n+ZSTD +XZ +ZLIB +LIBCRYPTO -EXPERIMENTAL'),
  nothing: parseKmodVersion('kmod version 30\n-ZSTD -XZ -ZLIB -LIBCRYPTO -EXPERIMENTAL'),
  zlibOnly: parseKmodVersion('kmod version 27\n-XZ +ZLIB -LIBCRYPTO -EXPERIMENTAL'),
};

// What each host can read, written out by hand from the feature lines above.
const readable: Record<keyof typeof hosts, ModuleCompression[]> = {
  debian12: ['none', 'xz', 'zstd'],
  everything: ['none', 'gzip', 'xz', 'zstd'],
  nothing: ['none'],
  zlibOnly: ['none', 'gzip'],
};

const all: ModuleCompression[] = ['none', 'gzip', 'xz', 'zstd'];

describe('checkModuleCompressionSupport', () => {
  for (const [hostName, host] of Object.entries(hosts) as Array<[keyof typeof hosts, (typeof hosts)['debian12']]>) {
    for (const c of all) {
      const ok = readable[hostName].includes(c);
      it(`${c} on ${hostName}: ${ok ? 'accepted' : 'refused'}`, () => {
        if (ok) {
          expect(() => checkModuleCompressionSupport(c, host)).not.toThrow();
          return;
        }
        let err: unknown;
        try {
          checkModuleCompressionSupport(c, host);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(GkError);
        const g = err as GkError;
        expect(g.message).toContain(c); // the algorithm
        expect(g.message).toContain(host.featureLine); // what the host supports
        expect(g.hint).toMatch(/rebuild kmod with/); // way out 1
        expect(g.hint).toMatch(/CONFIG_MODULE_COMPRESS_NONE=y/); // way out 2 (always readable)
        for (const alt of readable[hostName]) expect(g.hint).toContain(`CONFIG_MODULE_COMPRESS_${alt.toUpperCase()}=y`);
      });
    }
  }

  it('names the zlib switches for gzip on Debian 12 kmod', () => {
    try {
      checkModuleCompressionSupport('gzip', hosts.debian12);
      expect.unreachable();
    } catch (e) {
      expect((e as GkError).hint).toMatch(/USE=zlib.*--with-zlib.*CONFIG_MODULE_COMPRESS_ZSTD=y/);
    }
  });

  it('refuses a missing kmod for every compression', () => {
    for (const c of all) expect(() => checkModuleCompressionSupport(c, undefined)).toThrow(/kmod was not found/);
  });

  it('lists readable compressions best first', () => {
    expect(readableCompressions(hosts.debian12)).toEqual(['zstd', 'xz', 'none']);
  });
});
