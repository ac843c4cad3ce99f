import { describe, test, expect } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageTree } from '../image/image-tree.js';
import { featureTestContext } from '../firmware/test-context.js';
import { binaryKeymap, createKeymapFeature, installKeymaps, keymapFeature, keymapSources, KEYMAPS } from './keymap.js';
import { GkError } from '../errors.js';

// Needs kbd (loadkeys) and console-data (the keymap sources), as --keymap does.
describe('keymap feature', () => {
  test('every genkernel keymap name finds a source in console-data', async () => {
    const sources = await keymapSources();
    const unresolved = Object.entries(KEYMAPS).filter(([, c]) => !c.some((n) => sources.has(n))).map(([n]) => n);
    expect(unresolved).toEqual([]);
  });

  test('loadkeys -b writes a busybox loadkmap file: "bkeymap", 256 table flags (MAX_NR_KEYMAPS), then the tables', async () => {
    const src = (await keymapSources()).get('de-latin1')!;
    const data = await binaryKeymap(src, join(mkdtempSync(join(tmpdir(), 'tsgk-km-')), 'de.map'));
    expect(data.subarray(0, 7).toString()).toBe('bkeymap');
    const tables = [...data.subarray(7, 7 + 256)].filter((f) => f === 1).length;
    // Each present table is 128 u16 entries (NR_KEYS).
    expect(data.length).toBe(7 + 256 + tables * 128 * 2);
  });

  test('the image gets /lib/keymaps/NAME.map for the names, a keymapList, and the init fragment', async () => {
    const { ctx } = await featureTestContext({ settings: { KEYMAP: true } });
    expect(keymapFeature.enabled(ctx)).toBe(true);
    expect(keymapFeature.boot?.file).toBe('10-keymap.sh');
    const image = new ImageTree();
    const names = await installKeymaps(ctx, image);
    expect(names).toEqual(expect.arrayContaining(['us', 'de', 'fr', 'uk', 'br-a', 'sk-z']));
    for (const n of names) expect(image.get(`lib/keymaps/${n}.map`)?.kind).toBe('file');
    const list = image.get('lib/keymaps/keymapList');
    expect(list?.kind === 'file' && (list.source as Buffer).toString().trim().split('\n')).toEqual(names);
    const us = image.get('lib/keymaps/us.map');
    expect(us?.kind === 'file' && readFileSync(us.source as string).subarray(0, 7).toString()).toBe('bkeymap');
  });

  test('no keymap sources: a GkError naming console-data', async () => {
    const { ctx } = await featureTestContext({ settings: { KEYMAP: true } });
    const err = await installKeymaps(ctx, new ImageTree(), [mkdtempSync(join(tmpdir(), 'tsgk-nokm-'))]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GkError);
    expect((err as GkError).oneLine()).toMatch(/no keymap sources.*console-data/);
  });

  test('the converted set is kept in the tool cache: a second build takes it from there', async () => {
    const { ctx } = await featureTestContext({ settings: { KEYMAP: true } });
    const first = new ImageTree();
    const names = await installKeymaps(ctx, first);
    const de = first.get('lib/keymaps/de.map');
    const cached = de?.kind === 'file' ? (de.source as string) : '';
    expect(cached.startsWith(join(ctx.paths.cache, 'keymaps'))).toBe(true);
    const again = new ImageTree();
    const t0 = performance.now();
    expect(await installKeymaps(ctx, again)).toEqual(names);
    const ms = performance.now() - t0;
    const de2 = again.get('lib/keymaps/de.map');
    expect(de2?.kind === 'file' && de2.source).toBe(cached);
    expect(existsSync(join(ctx.paths.tmp, 'keymaps'))).toBe(true); // only the first one converted
    expect(ms).toBeLessThan(5000);
  });

  test('on by default (KEYMAP="yes"): a host without keymap sources builds without them, one info line; asked for, it stops', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'tsgk-nokm-'));
    const feature = createKeymapFeature({ roots: [empty] });
    const byDefault = await featureTestContext({ settings: { KEYMAP: true, BUSYBOX: true } });
    byDefault.ctx.settingSources = new Map([['KEYMAP', 'default']]);
    expect(feature.enabled(byDefault.ctx)).toBe(true);
    const image = new ImageTree();
    await feature.install(byDefault.ctx, image);
    expect(image.get('lib/keymaps/keymapList')).toBeUndefined();
    expect(image.get('etc/initrd.d/10-keymap.sh')).toBeUndefined();
    expect(byDefault.lines.join('\n')).toMatch(/keymaps left out of the image: .*no keymap sources.*console-data.*--no-keymap/);
    expect(byDefault.lines.join('\n')).not.toMatch(/WARNING/);

    const asked = await featureTestContext({ settings: { KEYMAP: true, BUSYBOX: true } });
    asked.ctx.settingSources = new Map([['KEYMAP', 'cli']]);
    await expect(feature.install(asked.ctx, new ImageTree())).rejects.toThrow(/no keymap sources/);
  });

  test('by default only in an image with busybox (its loadkmap reads the maps); --keymap asks regardless', async () => {
    const { ctx } = await featureTestContext({ settings: { KEYMAP: true, BUSYBOX: false } });
    ctx.settingSources = new Map([['KEYMAP', 'default']]);
    expect(keymapFeature.enabled(ctx)).toBe(false);
    ctx.settingSources = new Map([['KEYMAP', 'conf']]);
    expect(keymapFeature.enabled(ctx)).toBe(true);
    ctx.settings.KEYMAP = false;
    expect(keymapFeature.enabled(ctx)).toBe(false);
  });
});
