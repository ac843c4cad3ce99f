import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { busyboxApplets } from '../features/busybox.js';
import { elfLinkage } from '../elf/elf-reader.js';
import { dynamicExecutables } from './elf-static.js';
import { ensureTools } from './index.js';
import { loadManifest } from './manifest.js';
import { defaultRecipeSources } from './paths.js';
import { gkbuildTestContext, removeTestDirs } from './test-context.js';
import { TEST_CACHEDIR } from '../../test/shared-cache.js';

/**
 * The real thing: kmod (with zstd, xz, zlib) and busybox built from the pinned tarballs into a
 * fresh private cache. CI fills DISTDIR with scripts/fetch-distfiles first; elsewhere the test is
 * skipped, saying so, when the tarballs are not there. Takes a few minutes on two cores.
 */
afterAll(removeTestDirs);

const DISTDIR = process.env.DISTDIR || '/var/cache/tsgenkernel/distfiles';
const missing = [...loadManifest(defaultRecipeSources().manifestPath).values()]
  .map((d) => d.file)
  .filter((f) => !existsSync(join(DISTDIR, f)));
const skipReason = `SKIPPED: ${DISTDIR} lacks ${missing.join(', ')} — run scripts/fetch-distfiles ${DISTDIR}`;
if (missing.length > 0) console.warn(`real gkbuild test ${skipReason}`);

describe.skipIf(missing.length > 0)(missing.length > 0 ? `real build (${skipReason})` : 'real build of kmod and busybox', () => {
  it('builds static kmod and busybox, and the second call is a cache hit decided in under a second', { timeout: 30 * 60_000 }, async () => {
    // The shared test cache: the global setup has usually built these already, so this checks the
    // results and the cache hit; the fresh-build time is measured by the global setup's first run.
    const { ctx } = gkbuildTestContext({ distdir: DISTDIR, cache: TEST_CACHEDIR, settings: { KMOD: true } });
    const seconds = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);

    let t0 = performance.now();
    const kmod = (await ensureTools(ctx, ['kmod'])).get('kmod')!;
    const kmodTime = seconds(t0);
    t0 = performance.now();
    const busybox = (await ensureTools(ctx, ['busybox'])).get('busybox')!;
    const busyboxTime = seconds(t0);

    const kmodBin = join(kmod.root, 'bin', 'kmod');
    const busyboxBin = join(busybox.root, 'bin', 'busybox');
    expect(execFileSync(kmodBin, ['--version']).toString()).toMatch(/\+ZSTD \+XZ \+ZLIB/);
    expect(elfLinkage(readFileSync(kmodBin))).toEqual({ kind: 'static' });
    // The image's kmod reads the image's /etc/modprobe.d (host options, blacklists, noload=), not
    // /usr/etc/modprobe.d, which --prefix=/usr alone would compile in.
    const strings = readFileSync(kmodBin).toString('latin1');
    expect(strings).toContain('\0/etc/modprobe.d\0');
    expect(strings).not.toContain('/usr/etc/modprobe.d');
    expect(elfLinkage(readFileSync(busyboxBin))).toEqual({ kind: 'static' });
    expect(dynamicExecutables(kmod.root)).toEqual([]);
    const withKmod = await busyboxApplets(busyboxBin);
    expect(withKmod).toContain('sbin/switch_root');
    expect(withKmod).toContain('bin/ash');
    expect(withKmod.filter((a) => /\/(modprobe|insmod|rmmod|lsmod|depmod|modinfo)$/.test(a))).toEqual([]);

    t0 = performance.now();
    const again = await ensureTools(ctx, ['kmod', 'busybox']);
    const hitMs = performance.now() - t0;
    expect(hitMs).toBeLessThan(1000);
    expect(again.get('kmod')).toEqual({ ...kmod, cached: true });
    expect(again.get('busybox')).toEqual({ ...busybox, cached: true });

    // Without kmod, busybox carries its own module tools: another configuration, another key.
    ctx.settings = { ...ctx.settings, KMOD: false };
    t0 = performance.now();
    const own = (await ensureTools(ctx, ['busybox'])).get('busybox')!;
    const ownTime = seconds(t0);
    // (Built here, or already by the global setup: the shared cache may hold it either way.)
    expect(own.key).not.toBe(busybox.key);
    const ownBin = join(own.root, 'bin', 'busybox');
    expect(await busyboxApplets(ownBin)).toEqual(expect.arrayContaining(['sbin/modprobe', 'sbin/insmod', 'sbin/rmmod', 'sbin/lsmod', 'sbin/depmod', 'sbin/modinfo']));
    expect(elfLinkage(readFileSync(ownBin))).toEqual({ kind: 'static' });

    console.log(
      `gkbuild real build: kmod+deps ${kmodTime}s (${statSync(kmodBin).size} bytes), busybox ${busyboxTime}s ` +
        `(${statSync(busyboxBin).size} bytes), busybox with modutils ${ownTime}s (${statSync(ownBin).size} bytes), ` +
        `cache-hit decision ${hitMs.toFixed(0)} ms`,
    );
  });
});
