import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { statusTableMarkdown, withStatusTable, genkernelStatusRows } from './option-status.js';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));

describe('README genkernel option table', () => {
  it('equals the table generated from the option table (npm run readme:options rewrites it)', () => {
    const text = readFileSync(README, 'utf8');
    expect(withStatusTable(text)).toBe(text);
  });

  it('has one row per genkernel setting, each with a status and a note', () => {
    const rows = genkernelStatusRows();
    const keys = rows.flatMap((r) => (r.key ? [r.key] : []));
    expect(new Set(keys).size).toBe(keys.length);
    for (const r of rows) expect(r.note.length, r.key).toBeGreaterThan(5);
    const md = statusTableMarkdown(rows);
    expect(md.split('\n').filter((l) => l.startsWith('| ')).length).toBe(rows.length + 1);
    expect(md).toMatch(/\| `--nfs` \| `NFS` \| \*\*not offered\*\* \|/);
    expect(md).toMatch(/\| — \| `NOCOLOR` \| works \|/);
  });
});
