/**
 * The Debian mirror this machine's apt already uses, read from its sources at run time (the
 * repository never names a mirror host): the first `deb` entry for the suite's own archive
 * (not -security or -updates) in /etc/apt/sources.list.d/*.sources (deb822) or
 * /etc/apt/sources.list (one-line form).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const SOURCES_DIR = '/etc/apt/sources.list.d';
const SOURCES_LIST = '/etc/apt/sources.list';

/** deb822 stanzas: blank-line separated "Key: value" blocks; comments dropped. */
export function deb822Uris(text: string, suite: string): string[] {
  const uris: string[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const field = (name: string) =>
      new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(stanza.split('\n').filter((l) => !l.startsWith('#')).join('\n'))?.[1]?.trim().split(/\s+/) ?? [];
    if (!field('Types').includes('deb') || !field('Suites').includes(suite)) continue;
    if (/^enabled:\s*no/im.test(stanza)) continue;
    uris.push(...field('URIs'));
  }
  return uris;
}

/** One-line form: `deb [options] URI SUITE COMPONENTS...`. */
export function oneLineUris(text: string, suite: string): string[] {
  const uris: string[] = [];
  for (const line of text.split('\n')) {
    const words = line.replace(/\[[^\]]*\]/, '').trim().split(/\s+/);
    if (words[0] === 'deb' && words[2] === suite && words[1]) uris.push(words[1]);
  }
  return uris;
}

export function debianMirror(suite: string): string {
  const found: string[] = [];
  if (existsSync(SOURCES_DIR)) {
    for (const f of readdirSync(SOURCES_DIR).sort()) {
      if (f.endsWith('.sources')) found.push(...deb822Uris(readFileSync(join(SOURCES_DIR, f), 'utf8'), suite));
      else if (f.endsWith('.list')) found.push(...oneLineUris(readFileSync(join(SOURCES_DIR, f), 'utf8'), suite));
    }
  }
  if (existsSync(SOURCES_LIST)) found.push(...oneLineUris(readFileSync(SOURCES_LIST, 'utf8'), suite));
  const mirror = found.find((u) => /^https?:\/\//.test(u));
  if (!mirror) throw new Error(`no http(s) apt source for suite ${suite} in ${SOURCES_DIR}/*.sources or ${SOURCES_LIST}`);
  return mirror;
}
