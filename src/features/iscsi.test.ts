import { describe, test, expect } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ImageTree } from '../image/image-tree.js';
import { GkError } from '../errors.js';
import { gkbuildTestContext } from '../gkbuild/test-context.js';
import { createIscsiFeature, ISCSI_MODULES } from './iscsi.js';
import { NET_IMAGE } from './net.js';

const ctxWith = (settings: { ISCSI: boolean }) => gkbuildTestContext({ distdir: tmpdir(), settings }).ctx;

describe('iscsi feature', () => {
  test('enabled by ISCSI; asks for the iSCSI and network modules; owns 15-iscsi.sh', () => {
    const f = createIscsiFeature();
    expect(f.enabled(ctxWith({ ISCSI: true }))).toBe(true);
    expect(f.enabled(ctxWith({ ISCSI: false }))).toBe(false);
    const mods = f.modules?.(ctxWith({ ISCSI: true })) ?? [];
    for (const m of [...ISCSI_MODULES, 'MODULES_NET', 'virtio_net', 'af_packet']) expect(mods).toContain(m);
    expect(f.boot?.file).toBe('15-iscsi.sh');
    expect(f.boot?.conf()).toMatchObject({ ISCSI_MODULES, NET_UDHCPC_SCRIPT: `/${NET_IMAGE.udhcpcScript}` });
  });

  test("the host's iscsistart (open-iscsi) with its library closure, the udhcpc script and the fragment", async () => {
    const image = new ImageTree();
    await createIscsiFeature().install(ctxWith({ ISCSI: true }), image);
    expect(image.get('sbin/iscsistart')?.kind).toBe('file');
    expect(image.sorted().some((e) => /libopeniscsiusr\.so/.test(e.path))).toBe(true);
    expect(image.has('lib/x86_64-linux-gnu/libc.so.6')).toBe(true);
    expect(image.has(NET_IMAGE.udhcpcScript)).toBe(true);
    expect(image.has('etc/initrd.d/15-iscsi.sh')).toBe(true);
    expect(image.has('etc/initrd.d/15-iscsi.conf')).toBe(true);
  });

  test('no iscsistart on the host: a one-line error naming the package', async () => {
    const empty = mkdtempSync(`${tmpdir()}/tsgk-no-iscsi-`);
    const err = await createIscsiFeature({ toolPath: [empty] }).install(ctxWith({ ISCSI: true }), new ImageTree()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GkError);
    expect(String((err as GkError).message)).toContain('iscsistart');
    expect(String((err as GkError).hint)).toContain('open-iscsi');
  });
});
