/**
 * The external commands a POSIX sh script runs, found by reading it: the first word of every
 * simple command (after ; | & && || ( { $( and the keywords that start a command), leaving out
 * shell keywords, assignments, redirections, functions the scripts define, and commands named
 * through a variable ("$UDEVADM": a feature's conf names that binary). Single-quoted text and
 * the plain text of double quotes are skipped; $(...) inside double quotes is read as code.
 * A reader for our own init scripts (test/shell/busybox-applets.test.ts), not a full sh parser.
 */

const KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'while', 'until', 'case', 'esac', 'for', 'in', '{', '}', '!', ';;']);
/** Words that run the command after them. */
const PREFIXES = new Set(['exec', 'nohup', 'setsid', 'chroot', 'time']);

/** The text with quotes flattened: quoted text becomes `_`, command substitutions inside double quotes are kept as code. */
function flatten(src: string): string {
  let out = '';
  let i = 0;
  const n = src.length;
  // Copies $( ... ) starting at i (pointing at "$("), returns the index after its ")".
  const subst = (start: number): number => {
    let depth = 0;
    let j = start;
    let inner = '';
    for (; j < n; j++) {
      const c = src[j]!;
      if (c === "'") {
        const e = src.indexOf("'", j + 1);
        inner += "'" + src.slice(j + 1, e) + "'";
        j = e;
        continue;
      }
      if (c === '(') depth++;
      if (c === ')') {
        depth--;
        if (depth === 0) break;
      }
      inner += c;
    }
    out += ` ; ${flatten(inner.slice(2))} ; `;
    return j + 1;
  };
  // $(( ... )) starting at j: the index after its closing parentheses (no command inside).
  const afterArithmetic = (j: number): number => {
    let depth = 0;
    for (; j < n; j++) {
      if (src[j] === '(') depth++;
      if (src[j] === ')' && --depth === 0) break;
    }
    return j + 1;
  };
  while (i < n) {
    const c = src[i]!;
    if (c === '\\') {
      out += c === '\\' && src[i + 1] === '\n' ? ' ' : '_';
      i += 2;
      continue;
    }
    if (c === '#' && (i === 0 || /\s|;/.test(src[i - 1]!))) {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    if (c === "'") {
      i = src.indexOf("'", i + 1) + 1;
      out += '_';
      continue;
    }
    if (src.startsWith('$((', i)) {
      i = afterArithmetic(i);
      out += '_';
      continue;
    }
    if (src.startsWith('${', i)) {
      i = src.indexOf('}', i) + 1;
      out += '_';
      continue;
    }
    if (src.startsWith('$(', i)) {
      i = subst(i);
      continue;
    }
    if (c === '"') {
      i++;
      while (i < n && src[i] !== '"') {
        if (src[i] === '\\') i += 2;
        else if (src.startsWith('$((', i)) i = afterArithmetic(i);
        else if (src.startsWith('$(', i)) i = subst(i);
        else i++;
      }
      i++;
      out += '_';
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/** Case arm patterns ("0 | no | off)") would read as commands: drop them. */
function dropCasePatterns(text: string): string {
  let inCase = 0;
  return text
    .split('\n')
    .map((line) => {
      if (/(^|[\s;])case\s.*\sin(\s|$)/.test(line)) inCase++;
      if (/(^|[\s;])esac(\s|;|$)/.test(line)) inCase = Math.max(0, inCase - 1);
      // An arm's pattern starts the line or follows the previous arm's ;;.
      if (inCase > 0) return line.replace(/(^|;;)\s*\(?[^()\s;][^();]*\)/g, ' ; ');
      return line;
    })
    .join('\n');
}

/** Functions a script defines (`name() {`). */
export function definedFunctions(src: string): Set<string> {
  return new Set([...src.matchAll(/^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(\)/gm)].map((m) => m[1]!));
}

/** External command words of a script (builtins and the given functions left out by the caller). */
export function commandWords(src: string): Set<string> {
  // Descriptor duplications (>&2, 2>&1) are no command separators.
  // Function definitions ("name() {") name no command.
  const text = dropCasePatterns(flatten(src))
    .replace(/\d*[<>]&\d*-?/g, ' ')
    .replace(/^(\s*)[A-Za-z_][A-Za-z0-9_]*\s*\(\)/gm, '$1 ; ');
  const found = new Set<string>();
  for (const segment of text.split(/\n|;|\|\||&&|\||&|\(|\)/)) {
    const words = segment.trim().split(/\s+/).filter(Boolean);
    if (words[0] === 'for' || words[0] === 'case') continue;
    let k = 0;
    for (;;) {
      const w = words[k];
      if (w === undefined) break;
      if (KEYWORDS.has(w) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(w) || /^\d*[<>]/.test(w) || w.endsWith('()')) {
        // A redirection's target may be the next word ("> file").
        if (/^\d*[<>]+&?$/.test(w)) k++;
        k++;
        continue;
      }
      if (PREFIXES.has(w)) {
        found.add(w);
        k++;
        while (words[k]?.startsWith('-')) k++;
        continue;
      }
      break;
    }
    const cmd = words[k];
    if (cmd === undefined || cmd.startsWith('$') || cmd.startsWith('_') || cmd.startsWith('"') || cmd.startsWith('/')) continue;
    found.add(cmd);
  }
  return found;
}
