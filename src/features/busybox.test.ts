import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ImageTree } from '../image/image-tree.js';
import { gkbuildTestContext, removeTestDirs, testDir } from '../gkbuild/test-context.js';
import { busyboxApplets, busyboxFeature } from './busybox.js';
import { kmodFeature } from './kmod.js';

/** Debian's busybox-static stands in for the built binary: real, static, and it has modprobe. */
function toolRoot(binary: string, name: string) {
  const root = testDir(`${name}-root-`);
  mkdirSync(join(root, 'bin'));
  copyFileSync(binary, join(root, 'bin', name));
  return { name, version: 'test', key: 'k', root, cached: true };
}

afterAll(removeTestDirs);

describe('busyboxFeature', () => {
  it('is enabled by BUSYBOX and asks for the busybox recipe', () => {
    expect(busyboxFeature.enabled(gkbuildTestContext({ distdir: '/x', settings: { BUSYBOX: true } }).ctx)).toBe(true);
    expect(busyboxFeature.enabled(gkbuildTestContext({ distdir: '/x', settings: { BUSYBOX: false } }).ctx)).toBe(false);
    expect(busyboxFeature.tools?.(gkbuildTestContext({ distdir: '/x' }).ctx)).toEqual(['busybox']);
  });

  it('links every applet the binary lists, leaving paths kmod already installed alone', async () => {
    const { ctx } = gkbuildTestContext({ distdir: '/x' });
    ctx.tools.set('busybox', toolRoot('/bin/busybox', 'busybox'));
    ctx.tools.set('kmod', toolRoot('/bin/kmod', 'kmod'));
    const applets = await busyboxApplets('/bin/busybox');
    expect(applets).toContain('sbin/modprobe');
    expect(applets).toContain('bin/sh');

    const image = new ImageTree();
    await kmodFeature.install(ctx, image);
    await busyboxFeature.install(ctx, image);
    expect(image.get('bin/busybox')).toMatchObject({ kind: 'file', mode: 0o755 });
    expect(image.get('bin/sh')).toEqual({ kind: 'symlink', path: 'bin/sh', target: '/bin/busybox' });
    expect(image.get('sbin/modprobe')).toEqual({ kind: 'symlink', path: 'sbin/modprobe', target: '/bin/kmod' });
    // Every other applet links to busybox (Debian's binary also lists bin/busybox itself: that stays the file).
    const others = applets.filter((a) => a !== 'bin/busybox' && !/^sbin\/(depmod|insmod|lsmod|modinfo|modprobe|rmmod)$/.test(a));
    expect(others.length).toBeGreaterThan(200);
    for (const a of others) expect(image.get(a)).toEqual({ kind: 'symlink', path: a, target: '/bin/busybox' });
  });
});
