import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** A throw-away RSA key and self-signed certificate made by openssl, for signing tests. */
export function makeSigningPair(where: string, name: string): { key: string; cert: string } {
  const key = join(where, `${name}.key`);
  const cert = join(where, `${name}.crt`);
  execFileSync('openssl', ['req', '-new', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '30', '-subj', `/CN=tsgk ${name}`], { stdio: 'ignore' });
  return { key, cert };
}
