import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { GkError } from '../errors.js';
import { detectHostKmod, parseKmodVersion } from './host-kmod.js';

describe('parseKmodVersion', () => {
  it('reads the version and the + features of kmod 30 as Debian 12 ships it', () => {
    const k = parseKmodVersion('kmod version 30\n+ZSTD +XZ -ZLIB +LIBCRYPTO -EXPERIMENTAL\n');
    expect(k.version).toBe(30);
    expect([...k.features].sort()).toEqual(['LIBCRYPTO', 'XZ', 'ZSTD']);
    expect(k.featureLine).toBe('+ZSTD +XZ -ZLIB +LIBCRYPTO -EXPERIMENTAL');
  });

  it('reads dotted versions and a kmod built with everything', () => {
    const k = parseKmodVersion('kmod version 34.2\n+ZSTD +XZ +ZLIB +LIBCRYPTO -EXPERIMENTAL');
    expect(k.version).toBe(34.2);
    expect(k.features.has('ZLIB')).toBe(true);
  });

  it('accepts a kmod that prints no feature line (nothing optional built in)', () => {
    const k = parseKmodVersion('kmod version 26\n');
    expect(k.features.size).toBe(0);
  });

  it('refuses text that is not kmod output with a GkError', () => {
    expect(() => parseKmodVersion('BusyBox v1.35.0 multi-call binary')).toThrow(GkError);
    expect(() => parseKmodVersion('')).toThrow(GkError);
  });
});

describe('detectHostKmod', () => {
  it('matches what the host kmod prints', async () => {
    const text = execFileSync('kmod', ['--version']).toString();
    const k = await detectHostKmod();
    expect(k).toBeDefined();
    expect(k!.version).toBe(Number(/version (\S+)/.exec(text)![1]));
    for (const f of k!.features) expect(text).toContain(`+${f}`);
  });

  it('is undefined when there is no kmod', async () => {
    expect(await detectHostKmod('/nonexistent/kmod')).toBeUndefined();
  });
});
