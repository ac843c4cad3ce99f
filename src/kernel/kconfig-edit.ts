/**
 * Text edits on a .config, the same ones the kernel's scripts/config makes, done here so no bash
 * script of the source tree has to run. The result still needs `make olddefconfig` to settle
 * dependencies; callers re-read the file afterwards to see whether an edit stuck.
 */

/** `value` is y, m, n or a number; null removes the option (olddefconfig then applies its default). */
export function setConfigOption(text: string, name: string, value: string | null): string {
  const sym = symbol(name);
  return replaceOption(text, sym, value === null ? null : value === 'n' ? `# ${sym} is not set` : `${sym}=${value}`);
}

/** A string option (CONFIG_LOCALVERSION), always quoted, even when it looks like a number. */
export function setConfigString(text: string, name: string, value: string): string {
  const sym = symbol(name);
  return replaceOption(text, sym, `${sym}="${value.replace(/(["\\])/g, '\\$1')}"`);
}

function symbol(name: string): string {
  return name.startsWith('CONFIG_') ? name : `CONFIG_${name}`;
}

function replaceOption(text: string, sym: string, line: string | null): string {
  const isOurs = (l: string) => l.startsWith(`${sym}=`) || l === `# ${sym} is not set`;
  const out: string[] = [];
  let found = false;
  for (const l of text.split('\n')) {
    if (!isOurs(l)) out.push(l);
    else if (!found) {
      // The first occurrence is replaced in place; later duplicates would override it, so they go.
      found = true;
      if (line !== null) out.push(line);
    }
  }
  if (found || line === null) return out.join('\n');
  const body = text.endsWith('\n') || text === '' ? text : text + '\n';
  return `${body}${line}\n`;
}
