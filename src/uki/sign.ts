import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { GkError } from '../errors.js';
import { run } from '../exec.js';
import type { Logger } from '../log.js';

/**
 * Secure Boot signing with sbsign (Debian's sbsigntool). The key and certificate are checked
 * here, before anything is built, so a wrong pair is a one-line error and not an sbsign
 * failure after the initramfs was installed. sbsign puts the signing time into the signature:
 * a signed UKI differs between runs in those bytes only (the unsigned one is reproducible).
 */
export interface SigningPair {
  key: string;
  cert: string;
}

export async function checkSigningPair(key: string, cert: string): Promise<SigningPair | undefined> {
  if (!key && !cert) return undefined;
  if (!key || !cert) {
    throw new GkError(`--uki-sign-${key ? 'cert' : 'key'} is missing: signing needs both the key and its certificate`, 'pass --uki-sign-key=KEY.pem and --uki-sign-cert=CERT.pem together, or neither');
  }
  const keyText = await readFile(key).catch((e: NodeJS.ErrnoException) => {
    throw new GkError(`the signing key ${key} cannot be read (${e.code})`, 'pass a readable PEM private key with --uki-sign-key (run as root for a key only root may read)');
  });
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(keyText);
  } catch {
    throw new GkError(`the signing key ${key} is not an unencrypted PEM private key`, 'sbsign needs a PEM key without a passphrase: openssl pkey -in KEY -out KEY.pem');
  }
  const certText = await readFile(cert).catch((e: NodeJS.ErrnoException) => {
    throw new GkError(`the signing certificate ${cert} cannot be read (${e.code})`, 'pass a readable PEM certificate with --uki-sign-cert');
  });
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(certText);
  } catch {
    throw new GkError(`the signing certificate ${cert} is not a PEM X.509 certificate`, 'pass the PEM certificate of the signing key with --uki-sign-cert');
  }
  if (!x509.checkPrivateKey(privateKey)) {
    throw new GkError(`the certificate ${cert} does not belong to the key ${key}`, 'pass the certificate made for this key (compare: openssl x509 -noout -pubkey -in CERT; openssl pkey -pubout -in KEY)');
  }
  return { key, cert };
}

export async function signUki(pair: SigningPair, unsigned: string, signed: string, log?: Logger): Promise<void> {
  await run('sbsign', ['--key', pair.key, '--cert', pair.cert, '--output', signed, unsigned], { log, what: 'sbsign', hint: 'install sbsigntool' });
}
