/**
 * The debootstrap mirror is read from apt's own sources: deb822 stanzas and one-line entries,
 * the suite's own archive only (not -security, not deb-src, not a disabled stanza).
 */
import { describe, test, expect } from 'vitest';
import { deb822Uris, oneLineUris, debianMirror } from './mirror.js';

describe('debianMirror', () => {
  test('deb822: the first deb stanza listing the suite; deb-src, security and disabled stanzas ignored', () => {
    const text = [
      'Types: deb-src\nURIs: http://src.example/debian\nSuites: bookworm\nComponents: main',
      'Types: deb\n# a comment\nURIs: http://main.example/debian\nSuites: bookworm bookworm-updates\nComponents: main',
      'Types: deb\nURIs: http://sec.example/debian-security\nSuites: bookworm-security\nComponents: main',
      'Enabled: no\nTypes: deb\nURIs: http://off.example/debian\nSuites: bookworm',
    ].join('\n\n');
    expect(deb822Uris(text, 'bookworm')).toEqual(['http://main.example/debian']);
  });

  test('one-line form, with [options]', () => {
    const text = '# deb http://old.example/debian bookworm main\ndeb [arch=amd64] http://one.example/debian bookworm main\ndeb http://one.example/debian-security bookworm-security main\n';
    expect(oneLineUris(text, 'bookworm')).toEqual(['http://one.example/debian']);
  });

  test("this machine's sources name an http(s) mirror for bookworm", () => {
    expect(debianMirror('bookworm')).toMatch(/^https?:\/\/\S+$/);
  });
});
