/**
 * Shell-glob matching as kmod does it for modules.alias patterns: fnmatch(pattern, modalias, 0).
 * With flags 0, '*' and '?' also match '/' and a leading '.', a backslash quotes the next character,
 * and a '[' without its closing ']' is an ordinary character.
 */

const POSIX_CLASSES: Record<string, string> = {
  alpha: 'A-Za-z',
  digit: '0-9',
  alnum: 'A-Za-z0-9',
  upper: 'A-Z',
  lower: 'a-z',
  xdigit: '0-9A-Fa-f',
  space: ' \\t\\n\\r\\f\\v',
  blank: ' \\t',
  punct: '!-\\/:-@\\[-`{-~',
};

const escapeRe = (c: string) => c.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

/** True when the pattern has any glob character; plain patterns can be looked up in a Map. */
export function hasGlob(pattern: string): boolean {
  return /[*?[\\]/.test(pattern);
}

/** Compiles a glob to an anchored RegExp. Never throws: any input yields a valid expression. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '*') {
      re += '[^]*';
      i++;
    } else if (c === '?') {
      re += '[^]';
      i++;
    } else if (c === '\\') {
      // A pattern ending in a lone backslash matches nothing in glibc.
      if (i + 1 >= pattern.length) return /(?!)/;
      re += escapeRe(pattern[i + 1]!);
      i += 2;
    } else if (c === '[') {
      const cls = parseBracket(pattern, i);
      if (cls) {
        re += cls.re;
        i = cls.end;
      } else {
        re += '\\[';
        i++;
      }
    } else {
      re += escapeRe(c);
      i++;
    }
  }
  return new RegExp(`^${re}$`);
}

/** A bracket expression starting at `start`, or undefined when it never closes (then '[' is literal). */
function parseBracket(p: string, start: number): { re: string; end: number } | undefined {
  let i = start + 1;
  let negate = false;
  if (p[i] === '!' || p[i] === '^') {
    negate = true;
    i++;
  }
  const items: string[] = [];
  let first = true;
  while (i < p.length) {
    const c = p[i]!;
    if (c === ']' && !first) {
      // Only reversed ranges inside: glibc matches nothing (or, negated, any one character).
      if (items.length === 0) return { re: negate ? '[^]' : '(?!)', end: i + 1 };
      return { re: `[${negate ? '^' : ''}${items.join('')}]`, end: i + 1 };
    }
    first = false;
    if (c === '[' && p[i + 1] === ':') {
      const close = p.indexOf(':]', i + 2);
      const name = close >= 0 ? p.slice(i + 2, close) : '';
      const cls = POSIX_CLASSES[name];
      if (cls) {
        items.push(cls);
        i = close + 2;
        continue;
      }
    }
    let lo = c;
    if (c === '\\' && i + 1 < p.length) {
      lo = p[i + 1]!;
      i++;
    }
    i++;
    if (p[i] === '-' && i + 1 < p.length && p[i + 1] !== ']') {
      let hi = p[i + 1]!;
      i += 2;
      if (hi === '\\' && i < p.length) {
        hi = p[i]!;
        i++;
      }
      // A reversed range matches nothing in glibc; JS would throw on it.
      if (hi.codePointAt(0)! >= lo.codePointAt(0)!) items.push(`${escapeRe(lo)}-${escapeRe(hi)}`);
      continue;
    }
    items.push(escapeRe(lo));
  }
  return undefined;
}

/** fnmatch(pattern, text, 0) == 0 */
export function fnmatch(pattern: string, text: string): boolean {
  return globToRegExp(pattern).test(text);
}
