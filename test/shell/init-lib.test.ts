/**
 * The init library (defaults/initrd.lib) on the host under dash: what needs no kernel to check.
 */
import { describe, test, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const LIB = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'defaults', 'initrd.lib');

function run(script: string, cwd = '/'): { out: string; err: string } {
  const lib = readdirSync(LIB).filter((f) => f.endsWith('.sh')).sort().map((f) => `. '${join(LIB, f)}'`);
  const r = spawnSync('dash', ['-c', [...lib, script].join('\n')], { encoding: 'utf8', cwd });
  return { out: r.stdout, err: r.stderr };
}

describe('init library', () => {
  test('command-line words are never globbed', () => {
    // Files whose names the words would match if the shell globbed them (the init's cwd is /).
    const cwd = mkdtempSync(join(tmpdir(), 'tsgk-glob-'));
    for (const f of ['init_opts=GLOBBED', 'crypt_root=GLOBBED', 'x-flag']) writeFileSync(join(cwd, f), '');
    const r = run(
      `GK_CMDLINE='init_opts=* crypt_root=* x-*'
gk_set_defaults
gk_parse_cmdline "$GK_CMDLINE"
echo "opts=$INIT_OPTS crypt=$(gk_cmdline_get crypt_root)"
gk_cmdline_has x-flag && echo globbed-flag
for w in x-*; do echo "globbing back on: $w"; done`,
      cwd,
    );
    expect(r.out).toContain('opts=* crypt=*');
    expect(r.out).not.toContain('globbed-flag');
    // set -f is only on while the words are split.
    expect(r.out).toContain('globbing back on: x-flag');
  });

  test('messages go to stderr, so a value returned through $(...) stays clean', () => {
    const r = run(`GK_DEBUG=1
value() { gk_debug "looking"; gk_info "found"; gk_warn "careful"; echo result; }
v=$(value)
echo "v=[$v]"`);
    expect(r.out).toBe('v=[result]\n');
    expect(r.err).toBe('.. looking\n>> found\n!! careful\n');
  });

  test('gk_poll says what it waits for, ticks about once a second, and gives up at its bound', () => {
    const r = run(`GK_QUIET=0
n=0; ticks=0
later() { n=$((n + 1)); [ "$n" -ge 15 ]; }
tick() { ticks=$((ticks + 1)); }
gk_poll 5 "the thing" tick later && echo "found after $n checks"
never() { return 1; }
start=$(gk_uptime)
gk_poll -q 1 "nothing" : never || echo "gave up after $(( $(gk_uptime) - start )) s"`);
    expect(r.err).toContain('>> waiting up to 5 s for the thing');
    expect(r.err).not.toContain('nothing');
    expect(r.out).toContain('found after 15 checks');
    expect(r.out).toMatch(/gave up after [12] s/);
  });
});
