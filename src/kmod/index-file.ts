import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GkError } from '../errors.js';

/** An index file's path and text; text is undefined when it cannot be read (each caller says what that means). */
export async function readIndexFile(moduleDir: string, name: string): Promise<{ file: string; text: string | undefined }> {
  const file = join(moduleDir, name);
  return { file, text: await readFile(file, 'utf8').catch(() => undefined) };
}

/**
 * One shape for every index-file complaint: the file and line that are wrong, and what to do.
 * Index files are written by depmod, so a malformed one means a broken or foreign tree.
 */
export function indexParseError(file: string, line: number, problem: string, hint?: string): GkError {
  return new GkError(
    `${file}:${line}: ${problem}`,
    hint ?? 'regenerate the module indexes with `depmod KERNEL_VERSION` (or reinstall the kernel modules)',
  );
}

/** Lines of a text file with their 1-based numbers, a trailing newline not counted as a line. */
export function numberedLines(text: string): Array<[number, string]> {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((l, i) => [i + 1, l]);
}

/** Keeps error messages one line long and printable whatever the input holds. */
export function clip(s: string, max = 80): string {
  // eslint-disable-next-line no-control-regex
  const safe = s.replace(/[\x00-\x1f\x7f]/g, '?');
  return safe.length > max ? safe.slice(0, max) + '…' : safe;
}
