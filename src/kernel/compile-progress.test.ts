import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../exec.js';
import { CompileProgress } from './compile-progress.js';

describe('CompileProgress', () => {
  it('turns kbuild lines into a counted progress text, ignoring make chatter', () => {
    const p = new CompileProgress();
    expect(p.onLine("make[1]: Entering directory '/var/tmp/out'")).toBe(false);
    expect(p.onLine('  CC      kernel/fork.o')).toBe(true);
    expect(p.onLine('  LD [M]  fs/ext4/ext4.ko')).toBe(true);
    expect(p.text()).toBe('[2] LD [M] fs/ext4/ext4.ko');
  });

  it('shows the compiler error, not the make lines after it, when a real gcc fails mid-build', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tsgk-cc-'));
    try {
      await writeFile(join(dir, 'broken.c'), 'int main(void) {\n  return undeclared_thing;\n}\n');
      const gcc = await run('gcc', ['-c', join(dir, 'broken.c'), '-o', join(dir, 'broken.o')], { allowFailure: true });
      expect(gcc.exitCode).not.toBe(0);
      const p = new CompileProgress();
      for (const l of ['  CC      init/main.o', '  CC      kernel/broken.o', ...gcc.all.split('\n')]) p.onLine(l);
      // With -j2 the other job goes on and make reports the failure afterwards.
      for (let i = 0; i < 30; i++) p.onLine(`  CC      drivers/other${i}.o`);
      p.onLine('make[2]: *** [scripts/Makefile.build:250: kernel/broken.o] Error 1');
      p.onLine("make[1]: *** [Makefile:1992: kernel] Error 2");
      const shown = p.failureLines().join('\n');
      expect(shown).toContain('undeclared_thing');
      expect(shown).toMatch(/error:/);
      expect(shown).toContain('Error 1');
      expect(p.steps).toBe(32);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('falls back to the last diagnostics when nothing says error', () => {
    const p = new CompileProgress();
    p.onLine('ld: warning: something odd');
    p.onLine('  CC      a.o');
    expect(p.failureLines()).toEqual(['ld: warning: something odd']);
  });
});
