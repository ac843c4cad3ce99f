import { describe, expect, it } from 'vitest';
import { cacheKey, type KeyInputs } from './cache-key.js';

const base: KeyInputs = {
  recipe: 'src_compile() { make; }\n',
  patches: [{ name: '01-fix.patch', text: '--- a/x\n+++ b/x\n' }],
  sources: ['00bc9ae4f1f9e1bbc1266d838452865bc7c24271d0853939edbe3029ad22af4e'],
  config: 'CONFIG_STATIC=y\n',
  compiler: 'cc (Debian 12.2.0-14+deb12u1) 12.2.0; glibc 2.36',
  runner: 'driver-v1',
  depends: { zstd: 'a'.repeat(64), xz: 'b'.repeat(64) },
};

describe('cacheKey', () => {
  it('is stable for equal inputs, whatever order the dependencies were listed in', () => {
    const reordered = { ...base, depends: { xz: 'b'.repeat(64), zstd: 'a'.repeat(64) } };
    expect(cacheKey({ ...base })).toBe(cacheKey(base));
    expect(cacheKey(reordered)).toBe(cacheKey(base));
    expect(cacheKey(base)).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each<[string, Partial<KeyInputs>]>([
    ['recipe text', { recipe: 'src_compile() { make V=1; }\n' }],
    ['patch content', { patches: [{ name: '01-fix.patch', text: '--- a/x\n+++ b/y\n' }] }],
    ['patch name (order)', { patches: [{ name: '02-fix.patch', text: '--- a/x\n+++ b/x\n' }] }],
    ['an added patch', { patches: [...base.patches, { name: '02-more.patch', text: '' }] }],
    ['source checksum', { sources: ['1'.repeat(64)] }],
    ['config', { config: 'CONFIG_STATIC=y\nCONFIG_MODPROBE=y\n' }],
    ['config absent', { config: undefined }],
    ['compiler', { compiler: 'cc (Debian 12.2.0-15) 12.2.0; glibc 2.36' }],
    ['runner', { runner: 'driver-v2' }],
    ['dependency key', { depends: { zstd: 'c'.repeat(64), xz: 'b'.repeat(64) } }],
  ])('changes when the %s changes', (_what, change) => {
    expect(cacheKey({ ...base, ...change })).not.toBe(cacheKey(base));
  });
});
