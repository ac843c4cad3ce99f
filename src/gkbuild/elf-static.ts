import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Static or dynamic, read from the ELF program headers rather than trusting `file` or the
 * build's flags: a PT_INTERP segment means the kernel hands the binary to a dynamic loader, and
 * a PT_DYNAMIC segment with DT_NEEDED entries means it wants shared libraries. A static-pie has
 * PT_DYNAMIC (for self-relocation) but no DT_NEEDED, and counts as static.
 */
export type Linkage = { kind: 'not-elf' } | { kind: 'static' } | { kind: 'dynamic'; reason: string };

const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NULL = 0n;
const DT_NEEDED = 1n;

export function elfLinkage(buf: Buffer): Linkage {
  if (buf.length < 52 || buf.readUInt32BE(0) !== 0x7f454c46) return { kind: 'not-elf' };
  const is64 = buf[4] === 2;
  const le = buf[5] !== 2;
  const u16 = (o: number) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const word = (o: number): bigint => (is64 ? (le ? buf.readBigUInt64LE(o) : buf.readBigUInt64BE(o)) : BigInt(u32(o)));
  const truncated = (what: string): Linkage => ({ kind: 'dynamic', reason: `truncated ELF (${what})` });

  const phoff = Number(word(is64 ? 32 : 28));
  const phentsize = u16(is64 ? 54 : 42);
  const phnum = u16(is64 ? 56 : 44);
  if (phoff + phnum * phentsize > buf.length) return truncated('program headers');

  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    const type = u32(ph);
    if (type === PT_INTERP) {
      const off = Number(word(ph + (is64 ? 8 : 4)));
      const size = Number(word(ph + (is64 ? 32 : 16)));
      const interp = buf.subarray(off, off + size).toString('latin1').replace(/\0.*$/s, '');
      return { kind: 'dynamic', reason: `program interpreter ${interp}` };
    }
    if (type === PT_DYNAMIC) {
      const off = Number(word(ph + (is64 ? 8 : 4)));
      const size = Number(word(ph + (is64 ? 32 : 16)));
      if (off + size > buf.length) return truncated('dynamic segment');
      const entry = is64 ? 16 : 8;
      for (let d = off; d + entry <= off + size; d += entry) {
        const tag = word(d);
        if (tag === DT_NULL) break;
        if (tag === DT_NEEDED) return { kind: 'dynamic', reason: 'needs shared libraries (DT_NEEDED)' };
      }
    }
  }
  return { kind: 'static' };
}

/** Every executable ELF file under `root` that is not static, with the reason (symlinks are skipped). */
export function dynamicExecutables(root: string): Array<{ path: string; reason: string }> {
  const found: Array<{ path: string; reason: string }> = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const st = lstatSync(path);
      if (st.isDirectory()) walk(path);
      else if (st.isFile() && (st.mode & 0o111) !== 0) {
        const linkage = elfLinkage(readFileSync(path));
        if (linkage.kind === 'dynamic') found.push({ path: relative(root, path), reason: linkage.reason });
      }
    }
  };
  walk(root);
  return found;
}
