import { describe, test, expect, beforeAll } from 'vitest';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkSigningPair } from './sign.js';
import { makeSigningPair } from './test-signing-pair.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsgk-sign-'));
});

describe('the signing pair', () => {
  test('none given: no signing; one alone: an error', async () => {
    expect(await checkSigningPair('', '')).toBeUndefined();
    await expect(checkSigningPair('/x.key', '')).rejects.toThrow(/--uki-sign-cert is missing/);
  });

  test('a matching pair is taken; a cert of another key is refused', async () => {
    const a = makeSigningPair(dir, 'a');
    const b = makeSigningPair(dir, 'b');
    expect(await checkSigningPair(a.key, a.cert)).toEqual(a);
    await expect(checkSigningPair(a.key, b.cert)).rejects.toThrow(/does not belong to the key/);
  });

  test('unreadable or malformed files are named', async () => {
    const a = makeSigningPair(dir, 'c');
    await expect(checkSigningPair(join(dir, 'missing.key'), a.cert)).rejects.toThrow(/cannot be read \(ENOENT\)/);
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, 'junk');
    await expect(checkSigningPair(junk, a.cert)).rejects.toThrow(/not an unencrypted PEM private key/);
    await expect(checkSigningPair(a.key, junk)).rejects.toThrow(/not a PEM X.509 certificate/);
    if (process.getuid?.() !== 0) {
      chmodSync(a.key, 0);
      await expect(checkSigningPair(a.key, a.cert)).rejects.toThrow(/cannot be read/);
    }
  });
});
