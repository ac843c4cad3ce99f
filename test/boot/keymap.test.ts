/**
 * Console keymaps (KEYMAP, on by default): keymap=NAME at boot loads /lib/keymaps/NAME.map with busybox
 * loadkmap before any passphrase prompt. Observable from the console: the init says which map
 * loadkmap accepted (the kernel's KDSKBENT ioctls succeeded on the virtual console), and names
 * the maps it has when asked for one it lacks. The boot goes on either way.
 */
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { bootFixture, type BootFixture } from './fixture.js';
import { bootImage, initLines } from './qemu.js';
import { buildImageOk } from './build-image.js';
import { readImage } from '../../src/image/read-image.js';
import { expectRealRoot, oneRootDisks, ROOT_DEVICE } from './one-root.js';

let fx: BootFixture;
let image: string;
const timings: string[] = [];

beforeAll(() => {
  fx = bootFixture();
  // No flag: keymaps are on by default, as in genkernel (this host has kbd and console-data).
  const built = buildImageOk(fx, [], 'keymap');
  timings.push(`build (keymaps by default): ${built.ms} ms`);
  image = built.image;
}, 900_000);

afterAll(() => {
  if (timings.length) console.log(`keymap boot timings:\n  ${timings.join('\n  ')}`);
});

describe('boot: console keymaps', () => {
  test('the image has binary maps and the fragment', async () => {
    // Every archive part (GNU cpio would stop at the first segment's trailer).
    const files = (await readImage(readFileSync(image))).flatMap((p) => p.entries.map((e) => e.name));
    expect(files).toContain('lib/keymaps/de.map');
    expect(files).toContain('lib/keymaps/keymapList');
    expect(files).toContain('etc/initrd.d/10-keymap.sh');
  });

  test('--no-keymap leaves the maps and the fragment out', async () => {
    const off = buildImageOk(fx, ['--no-keymap'], 'no-keymap');
    const files = (await readImage(readFileSync(off.image))).flatMap((p) => p.entries.map((e) => e.name));
    expect(files.filter((f) => f.includes('keymap'))).toEqual([]);
    expect(files).toContain('init');
  }, 900_000);

  test('keymap=de is loaded before the root is looked for; an unknown name is reported, boot goes on', async () => {
    const r = await bootImage({ kernel: fx.kernel, initramfs: image, disks: oneRootDisks(fx), append: `root=${ROOT_DEVICE} keymap=de`, timeoutMs: 120_000 });
    timings.push(`keymap=de: root reached in ${r.ms} ms`);
    const lines = initLines(r.output);
    expect(lines).toContain('>> keymap de loaded');
    expect(lines.indexOf('>> keymap de loaded')).toBeLessThan(lines.indexOf('waiting up to'));
    expectRealRoot(r);

    const bad = await bootImage({ kernel: fx.kernel, initramfs: image, disks: oneRootDisks(fx), append: `root=${ROOT_DEVICE} keymap=zz`, timeoutMs: 120_000 });
    timings.push(`keymap=zz: root reached in ${bad.ms} ms`);
    expect(initLines(bad.output)).toMatch(/!! keymap 'zz' is not in this image; keeping the default \(have: .*\bde\b/);
    expectRealRoot(bad);
  }, 300_000);
});
