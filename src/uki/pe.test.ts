import { describe, test, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addSections, readPe, peChecksum, PAGE } from './pe.js';
import { DEFAULT_STUB } from './build-uki.js';

const haveStub = existsSync(DEFAULT_STUB);

/** objdump's view of the sections: an independent PE reader. */
function objdumpSections(file: string): Array<{ name: string; size: number; vma: number; off: number }> {
  const out = execFileSync('objdump', ['-h', file], { encoding: 'utf8' });
  return [...out.matchAll(/^\s*\d+\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)/gm)].map((m) => ({
    name: m[1]!,
    size: Number.parseInt(m[2]!, 16),
    vma: Number.parseInt(m[3]!, 16),
    off: Number.parseInt(m[4]!, 16),
  }));
}

describe.skipIf(!haveStub)('UKI sections on the EFI stub', () => {
  const stub = readFileSync(DEFAULT_STUB);
  const add = [
    { name: '.osrel', data: Buffer.from('ID=test\n') },
    { name: '.cmdline', data: Buffer.from('root=/dev/vda ro') },
    { name: '.linux', data: Buffer.alloc(10_000, 0xab) },
  ];

  test('new sections come after the last stub section, page-aligned, and objdump reads them back', () => {
    const uki = addSections(stub, add);
    const dir = mkdtempSync(join(tmpdir(), 'tsgk-pe-'));
    writeFileSync(join(dir, 'uki.efi'), uki);
    const seen = objdumpSections(join(dir, 'uki.efi'));
    const before = readPe(stub).sections;
    const lastEnd = Math.max(...before.map((s) => s.virtualAddress + s.virtualSize));
    expect(seen.map((s) => s.name)).toEqual([...before.map((s) => s.name), '.osrel', '.cmdline', '.linux']);
    const added = seen.slice(before.length);
    for (const [i, s] of added.entries()) {
      expect(s.vma % PAGE).toBe(0);
      expect(s.vma).toBeGreaterThanOrEqual(lastEnd);
      expect(s.size).toBe(add[i]!.data.length);
      expect(uki.subarray(s.off, s.off + s.size).equals(add[i]!.data)).toBe(true);
    }
    const pe = readPe(uki);
    const last = pe.sections.at(-1)!;
    expect(pe.sizeOfImage).toBeGreaterThanOrEqual(last.virtualAddress + last.virtualSize);
    // The checksum field holds the checksum of the file.
    const at = pe.optOffset + 64;
    expect(uki.readUInt32LE(at)).toBe(peChecksum(uki, at));
  });

  test('equal inputs give equal bytes', () => {
    expect(addSections(stub, add).equals(addSections(stub, add))).toBe(true);
  });

  test('a file that is not a PE image is a one-line error', () => {
    expect(() => addSections(Buffer.from('not a PE file at all, just text padding'.repeat(3)), add)).toThrow(/not a usable PE image/);
  });
});
