import { describe, expect, it } from 'vitest';
import { expandFilename } from './filenames.js';
import { hostMachine } from '../kernel/kernel-version.js';

describe('expandFilename', () => {
  it("expands genkernel's %%KV%% and %%ARCH%%, every occurrence", () => {
    const facts = { kv: '6.1.192-tsgk', arch: 'x86_64' };
    expect(expandFilename('vmlinuz-%%KV%%', facts)).toBe('vmlinuz-6.1.192-tsgk');
    expect(expandFilename('kernel-genkernel-%%ARCH%%-%%KV%%', facts)).toBe('kernel-genkernel-x86_64-6.1.192-tsgk');
    expect(expandFilename('%%KV%%/%%KV%%', facts)).toBe('6.1.192-tsgk/6.1.192-tsgk');
  });

  it('leaves names without placeholders and unknown placeholders alone', () => {
    expect(expandFilename('bzImage', { kv: '1', arch: 'x' })).toBe('bzImage');
    expect(expandFilename('vmlinuz-%%FOO%%', { kv: '1', arch: 'x' })).toBe('vmlinuz-%%FOO%%');
  });

  it('uses the uname -m name for %%ARCH%% on this host (x86_64, not make ARCH=x86)', () => {
    if (process.arch === 'x64') expect(expandFilename('%%ARCH%%', { kv: '', arch: hostMachine() })).toBe('x86_64');
  });
});
