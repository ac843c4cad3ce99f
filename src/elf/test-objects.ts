/**
 * Small real ELF objects for the closure tests, compiled with the host's gcc into a temp dir:
 * a versioned shared library with its soname links, and programs that find it through
 * DT_RUNPATH ($ORIGIN), DT_RPATH (inherited by the libraries it loads) or ld.so.conf.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestObjects {
  dir: string;
  /** bin/runpath-tool: DT_RUNPATH $ORIGIN/../lib, needs libgkt.so.1. */
  runpathTool: string;
  /** rpath/bin/rpath-tool: DT_RPATH <dir>/rpath/lib, needs libouter.so.1 which needs libinner.so.1 (no run path of its own). */
  rpathTool: string;
  /** conf/bin/conf-tool: no run path; libconf.so.1 sits in conf/lib, listed by conf/ld.so.conf.d/gkt.conf. */
  confTool: string;
  ldSoConf: string;
  libDir: string;
}

function cc(args: string[], cwd: string): void {
  execFileSync('gcc', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function buildTestObjects(): TestObjects {
  const dir = mkdtempSync(join(tmpdir(), 'tsgk-elf-'));
  const src = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  for (const d of ['bin', 'lib', 'rpath/bin', 'rpath/lib', 'conf/bin', 'conf/lib', 'conf/ld.so.conf.d']) mkdirSync(join(dir, d), { recursive: true });

  // libgkt.so.1.2.3 with soname libgkt.so.1, and the usual link chain.
  src('gkt.c', 'int gkt(void) { return 42; }\n');
  cc(['-shared', '-fPIC', '-Wl,-soname,libgkt.so.1', '-o', 'lib/libgkt.so.1.2.3', 'gkt.c'], dir);
  symlinkSync('libgkt.so.1.2.3', join(dir, 'lib', 'libgkt.so.1'));
  symlinkSync('libgkt.so.1', join(dir, 'lib', 'libgkt.so'));
  src('main.c', 'int gkt(void);\nint main(void) { return gkt() == 42 ? 0 : 1; }\n');
  cc(['-o', 'bin/runpath-tool', 'main.c', '-Llib', '-lgkt', '-Wl,--enable-new-dtags,-rpath,$ORIGIN/../lib'], dir);

  // DT_RPATH on the program only; libouter finds libinner through it.
  src('inner.c', 'int inner(void) { return 42; }\n');
  cc(['-shared', '-fPIC', '-Wl,-soname,libinner.so.1', '-o', 'rpath/lib/libinner.so.1', 'inner.c'], dir);
  src('outer.c', 'int inner(void);\nint gkt(void) { return inner(); }\n');
  cc(['-shared', '-fPIC', '-Wl,-soname,libouter.so.1', '-o', 'rpath/lib/libouter.so.1', 'outer.c', '-Lrpath/lib', '-l:libinner.so.1'], dir);
  cc(['-o', 'rpath/bin/rpath-tool', 'main.c', '-Lrpath/lib', '-l:libouter.so.1', `-Wl,--disable-new-dtags,-rpath,${join(dir, 'rpath/lib')}`], dir);

  // Found only through ld.so.conf (an include with a glob, like Debian's).
  cc(['-shared', '-fPIC', '-Wl,-soname,libconf.so.1', '-o', 'conf/lib/libconf.so.1', 'gkt.c'], dir);
  cc(['-o', 'conf/bin/conf-tool', 'main.c', '-Lconf/lib', '-l:libconf.so.1'], dir);
  writeFileSync(join(dir, 'conf', 'ld.so.conf.d', 'gkt.conf'), `# test\n${join(dir, 'conf', 'lib')}\n`);
  writeFileSync(join(dir, 'conf', 'ld.so.conf'), `include ${join(dir, 'conf', 'ld.so.conf.d')}/*.conf\n/nonexistent/dir\n`);

  return {
    dir,
    runpathTool: join(dir, 'bin', 'runpath-tool'),
    rpathTool: join(dir, 'rpath', 'bin', 'rpath-tool'),
    confTool: join(dir, 'conf', 'bin', 'conf-tool'),
    ldSoConf: join(dir, 'conf', 'ld.so.conf'),
    libDir: join(dir, 'lib'),
  };
}
