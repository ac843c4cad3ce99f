import { GkError } from '../errors.js';

/**
 * Reads genkernel.conf the way a shell would read a file of plain assignments, without running
 * anything: KEY="v" (with $VAR / ${VAR} expansion, the ${V:-w} ${V-w} ${V:=w} ${V=w} ${V:+w} ${V+w}
 * forms nested and quoted as the shell allows, and backslash escapes), KEY='v' (literal),
 * bare values, `export KEY=v`, comments (a # that starts a word; a # inside quotes is text),
 * backslash-newline continuations and quoted values spanning lines. $(...) and `...` would run a
 * command under genkernel; here they are reported and the key is skipped, so a stock genkernel.conf
 * (MAKEOPTS="$(portageq envvar MAKEOPTS)") still loads.
 *
 * Variables resolve as in genkernel's sourcing shell: earlier assignments, then the environment
 * (GK_SHARE may come from it); unset and set-but-empty stay apart for the forms without a colon.
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
  /** Names some value expanded: a key among them is a helper variable, not a typo. */
  referenced: Set<string>;
}

export interface ParseOptions {
  /**
   * The value of `$(portageq envvar NAME)`, the one command substitution genkernel.conf ships
   * (MAKEOPTS); undefined when it cannot be answered without running anything.
   */
  portageqEnvvar?: (name: string) => string | undefined;
}

export function parseShellAssignments(text: string, source: string, env: Record<string, string | undefined> = {}, opts: ParseOptions = {}): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, a] of parseConf(text, source, env, opts).values) out.set(k, a.value);
  return out;
}

export function parseConf(text: string, source: string, env: Record<string, string | undefined> = {}, opts: ParseOptions = {}): ParseResult {
  const values = new Map<string, Assignment>();
  const skipped: ParseResult['skipped'] = [];
  let i = 0;
  let line = 1;
  const n = text.length;
  const fail = (what: string, at = line): never => {
    throw new GkError(`${source}:${at}: ${what}`, `fix line ${at} of ${source} (shell syntax: KEY="value")`);
  };
  /** Variables set by ${V:=w} / ${V=w}: visible to later expansions, not conf keys. */
  const shellVars = new Map<string, string>();
  /** undefined = unset, which ${V-w} tells apart from set-but-empty. */
  const referenced = new Set<string>();
  const lookup = (name: string): string | undefined => {
    referenced.add(name);
    return values.get(name)?.value ?? shellVars.get(name) ?? env[name];
  };

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

  /**
   * $NAME, ${NAME} or ${NAME<op>word} with op one of :- - := = :+ + (the forms genkernel.conf
   * uses, e.g. GK_SHARE="${GK_SHARE:-/usr/share/genkernel}"). `live` false scans a word the
   * shell would not evaluate (the default of a set variable): nothing is assigned then.
   */
  const expandDollar = (startLine: number, inDouble: boolean, live = true): string => {
    i++; // past $
    const c = text[i];
    if (c === '(') return portageq();
    if (c === '{') return expandBraced(startLine, inDouble, live);
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 256));
    if (!m) return '$';
    i += m[0].length;
    return lookup(m[0]) ?? '';
  };

  /** `$(portageq envvar NAME)` answered by the caller; any other $(...) is not run. */
  const portageq = (): string => {
    const m = /^\(\s*portageq\s+envvar\s+([A-Za-z_][A-Za-z0-9_]*)\s*\)/.exec(text.slice(i, i + 200));
    const value = m && opts.portageqEnvvar ? opts.portageqEnvvar(m[1]!) : undefined;
    if (value === undefined) throw new CommandSubstitution();
    i += m![0].length;
    return value;
  };

  const expandBraced = (startLine: number, inDouble: boolean, live: boolean): string => {
    const open = i;
    i++; // past {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 256));
    const close = text.indexOf('}', i);
    if (close < 0) fail('unterminated ${', startLine);
    if (!m) fail(`unsupported expansion \${${text.slice(open + 1, Math.min(close, open + 40))}}`, startLine);
    const name = m![0];
    i += name.length;
    if (text[i] === '}') {
      i++;
      return lookup(name) ?? '';
    }
    const op = /^(:-|:=|:\+|-|=|\+)/.exec(text.slice(i, i + 2))?.[0];
    if (!op) {
      const end = text.indexOf('}', i);
      fail(`unsupported expansion \${${text.slice(open + 1, end < 0 ? i + 1 : end)}} (only \${V}, \${V:-w}, \${V-w}, \${V:=w}, \${V=w}, \${V:+w}, \${V+w})`, startLine);
    }
    i += op!.length;
    const current = lookup(name);
    const colon = op!.startsWith(':');
    const isSet = colon ? current !== undefined && current !== '' : current !== undefined;
    const kind = op!.slice(-1);
    // Which branch the shell evaluates: the word for - and = when unset, for + when set.
    const useWord = kind === '+' ? isSet : !isSet;
    const word = readWord(startLine, inDouble, live && useWord);
    if (!useWord) return kind === '+' ? '' : current!;
    if (kind === '=' && live) shellVars.set(name, word);
    return word;
  };

  /** The word of ${V<op>word}, up to its closing brace; quotes and expansions nest. */
  const readWord = (startLine: number, inDouble: boolean, live: boolean): string => {
    let out = '';
    for (;;) {
      if (i >= n) fail('unterminated ${', startLine);
      const d = text[i]!;
      if (d === '}') {
        i++;
        return out;
      }
      if (d === '\\') {
        out += readEscaped();
      } else if (d === '$') {
        out += expandDollar(startLine, inDouble, live);
      } else if (d === '`') {
        throw new CommandSubstitution();
      } else if (d === '"') {
        i++;
        out += readDoubleQuoted(startLine, live);
      } else if (d === "'" && !inDouble) {
        out += readSingleQuoted(startLine);
      } else {
        if (d === '\n') line++;
        out += d;
        i++;
      }
    }
  };

  /** '...' taken literally, from its opening quote to past the closing one. */
  const readSingleQuoted = (startLine: number): string => {
    const end = text.indexOf("'", i + 1);
    if (end < 0) fail('unterminated single quote', startLine);
    const chunk = text.slice(i + 1, end);
    line += countNewlines(chunk);
    i = end + 1;
    return chunk;
  };

  /** An unquoted backslash: the next character as itself; before a newline, a continuation. */
  const readEscaped = (): string => {
    const e = text[i + 1];
    i += 2;
    if (e === '\n') {
      line++;
      return '';
    }
    return e ?? '';
  };

  /** The inside of "...", from after the opening quote to past the closing one. */
  const readDoubleQuoted = (startLine: number, live = true): string => {
    let value = '';
    while (i < n) {
      const d = text[i]!;
      if (d === '"') {
        i++;
        return value;
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
        value += expandDollar(startLine, true, live);
      } else if (d === '`') {
        throw new CommandSubstitution();
      } else {
        if (d === '\n') line++;
        value += d;
        i++;
      }
    }
    return fail('unterminated double quote', startLine);
  };

  const readValue = (startLine: number): string => {
    let value = '';
    while (i < n) {
      const c = text[i]!;
      if (c === ' ' || c === '\t' || c === '\n' || c === ';') break;
      if (c === "'") {
        value += readSingleQuoted(startLine);
      } else if (c === '"') {
        i++;
        value += readDoubleQuoted(startLine);
      } else if (c === '\\') {
        value += readEscaped();
      } else if (c === '$') {
        value += expandDollar(startLine, false);
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
  return { values, skipped, referenced };

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
