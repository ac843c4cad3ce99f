import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fnmatch, hasGlob } from './fnmatch.js';
import { TEST_MODULE_DIR } from '../../test/debian-kernel.js';

/** glibc's own fnmatch(pattern, text, 0), through a ten-line C program, as the oracle. */
function glibcFnmatch(pairs: Array<[string, string]>): boolean[] {
  const dir = mkdtempSync(join(tmpdir(), 'gk-fnmatch-'));
  try {
    writeFileSync(
      join(dir, 'm.c'),
      `#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
int main(void){char p[512],t[512];while(fgets(p,sizeof p,stdin)&&fgets(t,sizeof t,stdin)){
p[strcspn(p,"\\n")]=0;t[strcspn(t,"\\n")]=0;putchar(fnmatch(p,t,0)==0?'1':'0');}return 0;}`,
    );
    execFileSync('cc', ['-O0', '-o', join(dir, 'm'), join(dir, 'm.c')]);
    const out = execFileSync(join(dir, 'm'), { input: pairs.map(([p, t]) => `${p}\n${t}\n`).join('') }).toString();
    return [...out].map((c) => c === '1');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('fnmatch', () => {
  it('matches real modalias patterns from the Debian tree', () => {
    expect(fnmatch('usb:v13FDp3940d0[0-2]*dc*dsc*dp*ic*isc*ip*in*', 'usb:v13FDp3940d0150dc00dsc00dp00ic08isc06ip50in00')).toBe(true);
    expect(fnmatch('usb:v13FDp3940d0[0-2]*dc*dsc*dp*ic*isc*ip*in*', 'usb:v13FDp3940d0350dc00dsc00dp00ic08isc06ip50in00')).toBe(false);
    expect(fnmatch('cpu:type:x86,ven*fam*mod*:feature:*0094*', 'cpu:type:x86,ven0000fam0006mod0055:feature:,0000,0094,00C2')).toBe(true);
    expect(fnmatch('virtio:d00000002v*', 'virtio:d00000002v00001AF4')).toBe(true);
  });

  it('knows which patterns are plain', () => {
    expect(hasGlob('crypto-crc32c')).toBe(false);
    expect(hasGlob('pci:v*')).toBe(true);
  });

  it('agrees with glibc fnmatch on the real modules.alias patterns and on random patterns', () => {
    const pairs: Array<[string, string]> = [];
    // Real patterns against texts made from them (a match and a near miss each).
    const aliases = readFileSync(`${TEST_MODULE_DIR}/modules.alias`, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('alias ') && /[[?]/.test(l))
      .map((l) => l.split(' ')[1]!)
      .slice(0, 150);
    for (const p of aliases) {
      const text = p.replace(/\*/g, 'AB').replace(/\?/g, 'x').replace(/\[([^\]])[^\]]*\]/g, '$1');
      pairs.push([p, text], [p, text.slice(0, -1)]);
    }
    // Random junk from the characters that matter, to catch escaping and bracket edge cases.
    let seed = 12345;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    const chars = 'ab-*?[]!^\\:';
    const word = (len: number) => Array.from({ length: len }, () => chars[rnd(chars.length)]).join('');
    const text = (len: number) => Array.from({ length: len }, () => 'ab-[]!\\'[rnd(7)]).join('');
    for (let i = 0; i < 5000; i++) pairs.push([word(1 + rnd(8)), i % 2 ? word(rnd(6)) : text(rnd(5))]);
    const expected = glibcFnmatch(pairs);
    // The oracle must see both answers plenty of times, or the comparison proves little.
    expect(expected.filter(Boolean).length).toBeGreaterThan(300);
    const mismatches = pairs.filter(([p, t], i) => fnmatch(p, t) !== expected[i]);
    expect(mismatches).toEqual([]);
  });
});
