import { GkError } from '../errors.js';

/**
 * Reads genkernel.conf the way a shell would read a file of plain assignments, without running
 * anything: KEY="v" (with $VAR / ${VAR} expansion and backslash escapes), KEY='v' (literal),
 * bare values, `export KEY=v`, comments (a # that starts a word; a # inside quotes is text),
 * backslash-newline continuations and quoted values spanning lines. $(...) and `...` would run a
 * command under genkernel; here they are reported and the key is skipped, so a stock genkernel.conf
 * (MAKEOPTS="$(portageq envvar MAKEOPTS)") still loads.
 *
 * Written by hand rather than with a shell-words library because those split words for argv and
 * neither keep line numbers for errors nor expand earlier assignments.
 */
export interface Assignment {
  value: string;
  line: number;
}

export interface ParseResult {
  values: Map<string, Assignment>;
  /** Keys skipped because their value needs a command to run. */
  skipped: Array<{ key: string; line: number; reason: string }>;
}

export function parseShellAssignments(text: string, source: string, env: Record<string, string | undefined> = {}): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, a] of parseConf(text, source, env).values) out.set(k, a.value);
  return out;
}

export function parseConf(text: string, source: string, env: Record<string, string | undefined> = {}): ParseResult {
  const values = new Map<string, Assignment>();
  const skipped: ParseResult['skipped'] = [];
  let i = 0;
  let line = 1;
  const n = text.length;
  const fail = (what: string, at = line): never => {
    throw new GkError(`${source}:${at}: ${what}`, `fix line ${at} of ${source} (shell syntax: KEY="value")`);
  };
  const lookup = (name: string): string => values.get(name)?.value ?? env[name] ?? '';

  const skipBlanks = () => {
    while (i < n) {
      const c = text[i];
      if (c === ' ' || c === '\t') i++;
      else if (c === '\\' && text[i + 1] === '\n') {
        i += 2;
        line++;
      } else break;
    }
  };
  const skipComment = () => {
    while (i < n && text[i] !== '\n') i++;
  };

  /** $NAME or ${NAME}; returns the expansion, or throws for command substitution. */
  const expandDollar = (startLine: number): string => {
    i++; // past $
    const c = text[i];
    if (c === '(') throw new CommandSubstitution();
    if (c === '{') {
      const end = text.indexOf('}', i);
      if (end < 0 || text.slice(i, end).includes('\n')) fail('unterminated ${', startLine);
      const name = text.slice(i + 1, end);
      i = end + 1;
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) fail(`unsupported expansion \${${name}}`, startLine);
      return lookup(name);
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 256));
    if (!m) return '$';
    i += m[0].length;
    return lookup(m[0]);
  };

  const readValue = (startLine: number): string => {
    let value = '';
    while (i < n) {
      const c = text[i]!;
      if (c === ' ' || c === '\t' || c === '\n' || c === ';') break;
      if (c === "'") {
        const end = text.indexOf("'", i + 1);
        if (end < 0) fail("unterminated single quote", startLine);
        const chunk = text.slice(i + 1, end);
        line += countNewlines(chunk);
        value += chunk;
        i = end + 1;
      } else if (c === '"') {
        i++;
        let closed = false;
        while (i < n) {
          const d = text[i]!;
          if (d === '"') {
            closed = true;
            i++;
            break;
          }
          if (d === '\\') {
            const e = text[i + 1];
            if (e === '\n') {
              i += 2;
              line++;
            } else if (e === '"' || e === '\\' || e === '$' || e === '`') {
              value += e;
              i += 2;
            } else {
              value += d;
              i++;
            }
          } else if (d === '$') {
            value += expandDollar(startLine);
          } else if (d === '`') {
            throw new CommandSubstitution();
          } else {
            if (d === '\n') line++;
            value += d;
            i++;
          }
        }
        if (!closed) fail('unterminated double quote', startLine);
      } else if (c === '\\') {
        const e = text[i + 1];
        if (e === '\n') line++;
        else if (e !== undefined) value += e;
        i += 2;
      } else if (c === '$') {
        value += expandDollar(startLine);
      } else if (c === '`') {
        throw new CommandSubstitution();
      } else if (c === '(' || c === ')' || c === '|' || c === '&' || c === '<' || c === '>') {
        fail(`unexpected '${c}' (only assignments are allowed)`, startLine);
      } else {
        value += c;
        i++;
      }
    }
    return value;
  };

  while (i < n) {
    skipBlanks();
    if (i >= n) break;
    const c = text[i];
    if (c === '\n' || c === ';') {
      if (c === '\n') line++;
      i++;
      continue;
    }
    if (c === '#') {
      skipComment();
      continue;
    }
    const startLine = line;
    let m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 256));
    if (m && m[0] === 'export' && /[ \t]/.test(text[i + 6] ?? '')) {
      i += 6;
      skipBlanks();
      m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 256));
    }
    if (!m || text[i + m[0].length] !== '=') {
      const shown = text.slice(i, text.indexOf('\n', i) < 0 ? n : text.indexOf('\n', i)).slice(0, 40);
      fail(`expected KEY=value, found '${shown}'`, startLine);
    }
    const key = m![0];
    i += key.length + 1;
    const valueStart = i;
    try {
      const value = readValue(startLine);
      values.set(key, { value, line: startLine });
    } catch (err) {
      if (!(err instanceof CommandSubstitution)) throw err;
      skipped.push({ key, line: startLine, reason: 'command substitution is not run' });
      // Rescan the whole value from its start with a scanner that only tracks quotes and parens.
      i = valueStart;
      line = startLine;
      skipToEndOfAssignment();
    }
    skipBlanks();
    if (i < n && text[i] === '#') skipComment();
    else if (i < n && text[i] !== '\n' && text[i] !== ';') fail(`unexpected text after ${key}=…`, startLine);
  }
  return { values, skipped };

  /** After a $(...) we do not run: skip to the end of the quoted or bare word, tracking quotes. */
  function skipToEndOfAssignment(): void {
    let quote: string | undefined;
    let depth = 0;
    while (i < n) {
      const c = text[i]!;
      if (c === '\n') {
        if (!quote && depth === 0) return;
        line++;
      } else if (c === '\\') {
        i++;
      } else if (quote) {
        if (c === quote) quote = undefined;
        else if (c === '(' && quote === '"') depth++;
        else if (c === ')' && quote === '"') depth--;
      } else if (c === '"' || c === "'" || c === '`') quote = c;
      else if (c === '(') depth++;
      else if (c === ')') depth--;
      else if ((c === ' ' || c === '\t' || c === ';') && depth <= 0) return;
      i++;
    }
    if (quote) fail('unterminated quote');
  }
}

class CommandSubstitution extends Error {}

function countNewlines(s: string): number {
  let k = 0;
  for (const ch of s) if (ch === '\n') k++;
  return k;
}
