import { readFile } from 'node:fs/promises';
import { GkError } from '../errors.js';
import { readImage, type CpioEntry } from '../image/read-image.js';

function modeString(mode: number): string {
  const type = { 0o040000: 'd', 0o120000: 'l', 0o020000: 'c', 0o060000: 'b', 0o100000: '-', 0o010000: 'p', 0o140000: 's' }[mode & 0o170000] ?? '?';
  const bits = 'rwxrwxrwx'.split('').map((ch, i) => ((mode >> (8 - i)) & 1 ? ch : '-')).join('');
  return type + bits;
}

function describe(e: CpioEntry): string {
  const type = e.mode & 0o170000;
  const size = type === 0o020000 || type === 0o060000 ? `${e.rdevMajor}, ${e.rdevMinor}` : String(e.data.length);
  const link = type === 0o120000 ? ` -> ${e.data.toString()}` : '';
  return `${modeString(e.mode)} ${String(e.uid).padStart(4)} ${String(e.gid).padStart(4)} ${size.padStart(10)}  ${e.name}${link}`;
}

/** `tsgenkernel inspect IMAGE [--cat PATH]`, in the spirit of lsinitrd. */
export async function inspect(path: string, opts: { cat?: string }): Promise<void> {
  const data = await readFile(path).catch((e: NodeJS.ErrnoException) => {
    throw new GkError(`cannot read ${path}: ${e.code}`, 'pass the path of an initramfs image');
  });
  const parts = await readImage(data, path);
  if (opts.cat !== undefined) {
    const want = opts.cat.replace(/^\/+/, '');
    for (const p of [...parts].reverse()) {
      const hit = p.entries.find((e) => e.name === want);
      if (hit) {
        process.stdout.write(hit.data);
        return;
      }
    }
    throw new GkError(`${opts.cat} is not in ${path}`, `list the image with 'tsgenkernel inspect ${path}'`);
  }
  const out: string[] = [`Image: ${path}: ${data.length} bytes`];
  parts.forEach((p, i) => {
    const kind = p.compression === 'none' ? 'uncompressed' : `${p.compression}-compressed`;
    const role = parts.length > 1 && i === 0 && p.compression === 'none' ? 'early cpio' : 'main archive';
    out.push('', `== part ${i + 1}: ${role}, ${kind}, ${p.entries.length} entries, ${p.compressedBytes} bytes at offset ${p.offset}`);
    for (const e of p.entries) out.push(describe(e));
  });
  process.stdout.write(out.join('\n') + '\n');
}
