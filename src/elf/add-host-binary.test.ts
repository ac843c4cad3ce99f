import { describe, test, expect, beforeAll } from 'vitest';
import { ImageTree } from '../image/image-tree.js';
import { GkError } from '../errors.js';
import { addHostBinary, addHostLibrary } from './add-host-binary.js';
import { buildTestObjects, type TestObjects } from './test-objects.js';

let objs: TestObjects;
beforeAll(() => {
  objs = buildTestObjects();
});

/** Follow a link inside the image tree to its final regular file entry. */
function resolveInImage(image: ImageTree, path: string): string | undefined {
  let p = path.replace(/^\/+/, '');
  for (let i = 0; i < 20; i++) {
    const e = image.get(p);
    if (!e) return undefined;
    if (e.kind === 'file') return p;
    if (e.kind !== 'symlink') return undefined;
    p = e.target.startsWith('/') ? e.target.slice(1) : ImageTree.normalise(`${p.replace(/[^/]*$/, '')}${e.target}`);
  }
  return undefined;
}

describe('addHostBinary', () => {
  test('cryptsetup: binary, loader, libraries with their soname links', async () => {
    const image = new ImageTree();
    const added = await addHostBinary(image, '/sbin/cryptsetup', 'sbin/cryptsetup');
    const bin = image.get('sbin/cryptsetup');
    expect(bin?.kind).toBe('file');
    // Content comes from the resolved file, not the /sbin -> usr/sbin link.
    expect(bin?.kind === 'file' && bin.source).toBe('/usr/sbin/cryptsetup');
    expect(added.static).toBe(false);
    expect(added.libraries).toContain('/lib/x86_64-linux-gnu/libcryptsetup.so.12');
    // Debian ships libcryptsetup.so.12 as a link to the versioned file: the link is kept.
    expect(image.get('lib/x86_64-linux-gnu/libcryptsetup.so.12')?.kind).toBe('symlink');
    expect(resolveInImage(image, 'lib/x86_64-linux-gnu/libcryptsetup.so.12')).toMatch(/libcryptsetup\.so\.12\.\d+\.\d+$/);
    // Every library and the loader resolve to a file inside the image.
    expect(resolveInImage(image, 'lib64/ld-linux-x86-64.so.2')).toBe('lib/x86_64-linux-gnu/ld-linux-x86-64.so.2');
    for (const lib of added.libraries) expect(resolveInImage(image, lib), lib).toBeDefined();
  });

  test('static busybox goes in alone', async () => {
    const image = new ImageTree();
    const added = await addHostBinary(image, '/bin/busybox', 'bin/busybox');
    expect(added).toEqual({ imagePath: '/bin/busybox', libraries: [], static: true });
    expect(image.sorted().filter((e) => e.kind !== 'dir').map((e) => e.path)).toEqual(['bin/busybox']);
  });

  test('a library only ld.so.conf knows gets a link in the first system dir', async () => {
    const image = new ImageTree();
    const added = await addHostBinary(image, objs.confTool, 'sbin/conf-tool', { ldSoConf: objs.ldSoConf });
    expect(added.libraries).toContain('/lib/x86_64-linux-gnu/libconf.so.1');
    expect(image.get('lib/x86_64-linux-gnu/libconf.so.1')).toEqual({
      kind: 'symlink',
      path: 'lib/x86_64-linux-gnu/libconf.so.1',
      target: `${objs.dir}/conf/lib/libconf.so.1`,
    });
  });

  test('a missing library is a GkError naming it', async () => {
    const image = new ImageTree();
    const err = await addHostBinary(image, objs.confTool, 'sbin/conf-tool', { ldSoConf: '/nonexistent' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GkError);
    expect((err as GkError).message).toContain('libconf.so.1');
  });

  test('a missing binary is a GkError', async () => {
    await expect(addHostBinary(new ImageTree(), '/nonexistent/zpool', 'sbin/zpool')).rejects.toBeInstanceOf(GkError);
  });

  test('dlopened libgcc_s comes with its own closure', async () => {
    const image = new ImageTree();
    const added = await addHostLibrary(image, 'libgcc_s.so.1');
    expect(added).toContain('/lib/x86_64-linux-gnu/libgcc_s.so.1');
    expect(resolveInImage(image, 'lib/x86_64-linux-gnu/libc.so.6')).toBeDefined();
  });
});
