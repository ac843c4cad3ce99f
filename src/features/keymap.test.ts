import { describe, test, expect } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageTree } from '../image/image-tree.js';
import { featureTestContext } from '../firmware/test-context.js';
import { binaryKeymap, installKeymaps, keymapFeature, keymapSources, KEYMAPS } from './keymap.js';
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
});
