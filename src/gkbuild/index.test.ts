import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GkError } from '../errors.js';
import { ensureTools, toolCacheDir } from './index.js';
import { sha256File } from './manifest.js';
import { gkbuildTestContext, removeTestDirs, testDir } from './test-context.js';
import type { RecipeSources } from './types.js';

const HELLO_C = '#include <stdio.h>\nint main(void) { puts("hello from the tarball"); return 0; }\n';
const PATCH = `--- a/hello.c
+++ b/hello.c
@@ -1,2 +1,2 @@
 #include <stdio.h>
-int main(void) { puts("hello from the tarball"); return 0; }
+int main(void) { puts("hello from the patch"); return 0; }
`;
// Links statically on purpose; `env` shows what the reset environment holds.
const RECIPE = `src_compile() {
	$CC $CFLAGS -static -o hello hello.c
}

src_install() {
	install -D -m 0755 hello "$DESTDIR/bin/hello"
	env | sort >"$DESTDIR/env.txt"
}
`;

/** A recipe tree of its own: gkbuilds/hello.gkbuild, a manifest, a tarball made here, a patch. */
async function helloTree(recipe = RECIPE) {
  const top = testDir('gkbuild-tree-');
  const src = join(top, 'src', 'hello-1.0');
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, 'hello.c'), HELLO_C);
  const distdir = join(top, 'distfiles');
  mkdirSync(distdir);
  execFileSync('tar', ['-czf', join(distdir, 'hello-1.0.tar.gz'), '-C', join(top, 'src'), 'hello-1.0']);
  const sha = await sha256File(join(distdir, 'hello-1.0.tar.gz'));
  const sources: RecipeSources = {
    gkbuildsDir: join(top, 'gkbuilds'),
    patchesDir: join(top, 'patches'),
    manifestPath: join(top, 'gkbuilds', 'distfiles.manifest'),
  };
  mkdirSync(sources.gkbuildsDir);
  mkdirSync(join(sources.patchesDir, 'hello', '1.0'), { recursive: true });
  writeFileSync(join(sources.gkbuildsDir, 'hello.gkbuild'), recipe);
  writeFileSync(sources.manifestPath, `hello 1.0 hello hello-1.0.tar.gz ${sha}\n`);
  writeFileSync(join(sources.patchesDir, 'hello', '1.0', '01-greeting.patch'), PATCH);
  return { top, distdir, sources };
}

const runHello = (root: string) => execFileSync(join(root, 'bin', 'hello')).toString().trim();

afterAll(removeTestDirs);

describe('ensureTools with a small real recipe', () => {
  it('builds with the patch applied, then reuses the cache until an input changes', async () => {
    const { distdir, sources } = await helloTree();
    const { ctx, lines } = gkbuildTestContext({ distdir });

    const first = (await ensureTools(ctx, ['hello'], sources)).get('hello')!;
    expect(first.cached).toBe(false);
    expect(runHello(first.root)).toBe('hello from the patch');
    expect(ctx.tools.get('hello')).toEqual(first);
    expect(lines.join('\n')).toMatch(/building hello 1\.0 \(log: .*hello-[0-9a-f]{12}\.log\)/);

    const t0 = performance.now();
    const second = (await ensureTools(ctx, ['hello'], sources)).get('hello')!;
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(second).toEqual({ ...first, cached: true });

    // A changed patch is a new key and a new build.
    writeFileSync(join(sources.patchesDir, 'hello', '1.0', '01-greeting.patch'), PATCH.replace('from the patch', 'again'));
    const third = (await ensureTools(ctx, ['hello'], sources)).get('hello')!;
    expect(third.cached).toBe(false);
    expect(third.key).not.toBe(first.key);
    expect(runHello(third.root)).toBe('hello again');
  });

  it('runs the recipe in a reset environment with the documented variables', async () => {
    const { distdir, sources } = await helloTree();
    const { ctx } = gkbuildTestContext({ distdir, settings: { MAKEOPTS: '-j3' } });
    process.env.GKBUILD_TEST_LEAK = 'must not reach the recipe';
    const tool = (await ensureTools(ctx, ['hello'], sources)).get('hello')!;
    delete process.env.GKBUILD_TEST_LEAK;
    const env = readFileSync(join(tool.root, 'env.txt'), 'utf8');
    expect(env).toContain('CFLAGS=-Os\n');
    expect(env).toContain('MAKEOPTS=-j3\n');
    expect(env).toMatch(/^S=.*\/hello-1\.0$/m);
    for (const v of ['CC', 'WORKDIR', 'DESTDIR', 'BROOT']) expect(env).toMatch(new RegExp(`^${v}=.+$`, 'm'));
    expect(env).not.toContain('GKBUILD_TEST_LEAK');
    expect(env).not.toMatch(/^VITEST/m);
  });

  it('drops the cache when CLEAR_CACHEDIR is set, once per run', async () => {
    const { distdir, sources } = await helloTree();
    const cache = testDir('gkbuild-cache-');
    await ensureTools(gkbuildTestContext({ distdir, cache }).ctx, ['hello'], sources);
    const { ctx } = gkbuildTestContext({ distdir, cache, settings: { CLEAR_CACHEDIR: true } });
    expect((await ensureTools(ctx, ['hello'], sources)).get('hello')!.cached).toBe(false);
    expect((await ensureTools(ctx, ['hello'], sources)).get('hello')!.cached).toBe(true);
  });

  it('refuses a dynamically linked result and leaves no cache entry', async () => {
    const { distdir, sources } = await helloTree(RECIPE.replace(' -static', ''));
    const { ctx } = gkbuildTestContext({ distdir });
    const err = await ensureTools(ctx, ['hello'], sources).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GkError);
    expect((err as GkError).message).toMatch(/not static: bin\/hello \(program interpreter/);
    expect(readdirSync(join(toolCacheDir(ctx), 'hello'))).toEqual([]);
  });

  it('reports a failing build with its phase, last lines and log path', async () => {
    const { distdir, sources } = await helloTree(RECIPE.replace('hello.c\n', 'missing.c\n'));
    const { ctx } = gkbuildTestContext({ distdir });
    const err = (await ensureTools(ctx, ['hello'], sources).catch((e: unknown) => e)) as GkError;
    expect(err).toBeInstanceOf(GkError);
    expect(err.message).toMatch(/building hello 1\.0 failed in src_compile/);
    expect(err.message).toMatch(/missing\.c/);
    const log = /the full build log is (\S+)/.exec(err.oneLine())?.[1];
    expect(log && readFileSync(log, 'utf8')).toMatch(/>>> src_compile[\s\S]*missing\.c/);
    expect(readdirSync(join(toolCacheDir(ctx), 'hello'))).toEqual([]);
  });

  it('fails with a GkError on a missing tarball, and a cache hit never needs it', async () => {
    const { distdir, sources } = await helloTree();
    const { ctx } = gkbuildTestContext({ distdir });
    await ensureTools(ctx, ['hello'], sources);
    rmSync(join(distdir, 'hello-1.0.tar.gz'));
    expect((await ensureTools(ctx, ['hello'], sources)).get('hello')!.cached).toBe(true);
    writeFileSync(join(sources.gkbuildsDir, 'hello.gkbuild'), RECIPE + '\n# changed\n');
    await expect(ensureTools(ctx, ['hello'], sources)).rejects.toThrow(/hello-1\.0\.tar\.gz .*is not in/);
  });

  it('fails with a GkError when the tarball does not match the manifest', async () => {
    const { distdir, sources } = await helloTree();
    writeFileSync(join(distdir, 'hello-1.0.tar.gz'), 'not the tarball');
    const { ctx } = gkbuildTestContext({ distdir });
    await expect(ensureTools(ctx, ['hello'], sources)).rejects.toThrow(/has sha256 .* but the manifest expects/);
    expect(existsSync(join(toolCacheDir(ctx), 'hello'))).toBe(false);
  });
});
