import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ImageTree } from '../image/image-tree.js';
import { gkbuildTestContext, removeTestDirs, testDir } from '../gkbuild/test-context.js';
import { KMOD_APPLETS, kmodFeature } from './kmod.js';

afterAll(removeTestDirs);

describe('kmodFeature', () => {
  it('is enabled by KMOD and asks for the kmod recipe', () => {
    expect(kmodFeature.enabled(gkbuildTestContext({ distdir: '/x', settings: { KMOD: true } }).ctx)).toBe(true);
    expect(kmodFeature.enabled(gkbuildTestContext({ distdir: '/x', settings: { KMOD: false } }).ctx)).toBe(false);
    expect(kmodFeature.tools?.(gkbuildTestContext({ distdir: '/x' }).ctx)).toEqual(['kmod']);
  });

  it('installs the built binary and the six applet links', async () => {
    const root = testDir('kmod-root-');
    mkdirSync(join(root, 'bin'));
    copyFileSync('/bin/kmod', join(root, 'bin', 'kmod')); // stands in for the built one: the feature only copies it
    const { ctx } = gkbuildTestContext({ distdir: '/x' });
    ctx.tools.set('kmod', { name: 'kmod', version: '30', key: 'k', root, cached: true });
    const image = new ImageTree();
    await kmodFeature.install(ctx, image);
    expect(image.get('bin/kmod')).toEqual({ kind: 'file', path: 'bin/kmod', mode: 0o755, source: join(root, 'bin', 'kmod') });
    for (const a of KMOD_APPLETS) expect(image.get(`/sbin/${a}`)).toEqual({ kind: 'symlink', path: `sbin/${a}`, target: '/bin/kmod' });
  });

  it('fails loudly when the tool was not built first', async () => {
    await expect(kmodFeature.install(gkbuildTestContext({ distdir: '/x' }).ctx, new ImageTree())).rejects.toThrow(/kmod was not built/);
  });
});
