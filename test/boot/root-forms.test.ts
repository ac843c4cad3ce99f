/**
 * root= forms the other boots do not use, booted: the PARTUUID of a partition on a DOS (MBR)
 * disk (signature-NN, as blkid reports it) and the kernel's MAJ:MIN form, whose numbers come
 * from the first boot's "root device ... is /dev/vdb2 (MAJ:MIN)" line (virtio's major is
 * allocated at run time). The decoy disk is attached first, as in every one-root boot.
 */
import { describe, test, expect, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { bootFixture, type BootFixture } from './fixture.js';
import { bootImage, initLines } from './qemu.js';
import { buildImageOk } from './build-image.js';
import { expectRealRoot } from './one-root.js';
import { makeDosDisk } from './dos-disk.js';

let fx: BootFixture;
let image: string;
let dosDisk: string;
let partUuid: string;
let devno: string | undefined;

beforeAll(() => {
  fx = bootFixture();
  const work = mkdtempSync(join(fx.scratch, 'root-forms-'));
  image = buildImageOk(fx, [], 'root-forms').image;
  dosDisk = join(work, 'dos.img');
  partUuid = makeDosDisk({ file: dosDisk, fsImage: fx.rootDisk, signature: '5ca1ab1e' }).partUuid;
}, 900_000);

describe('boot: root= forms', () => {
  test('the disk is what blkid calls a DOS disk with PARTUUID 5ca1ab1e-02', () => {
    const out = execFileSync('blkid', ['-p', '-o', 'export', dosDisk], { encoding: 'utf8' });
    expect(out).toContain('PTTYPE=dos');
    expect(out).toContain('PTUUID=5ca1ab1e');
  });

  test('root=PARTUUID=<MBR signature>-02 finds the second partition of the DOS disk', async () => {
    const r = await bootImage({ kernel: fx.kernel, initramfs: image, disks: [fx.decoyDisk, dosDisk], append: `root=PARTUUID=${partUuid}`, timeoutMs: 120_000 });
    expectRealRoot(r, '/dev/vdb2');
    devno = /root device PARTUUID=5ca1ab1e-02 is \/dev\/vdb2 \((\d+:\d+)\)/.exec(r.output)?.[1];
    expect(devno, initLines(r.output)).toBeDefined();
  }, 180_000);

  test('root=MAJ:MIN (the same partition by its device numbers)', async () => {
    expect(devno).toBeDefined();
    const r = await bootImage({ kernel: fx.kernel, initramfs: image, disks: [fx.decoyDisk, dosDisk], append: `root=${devno}`, timeoutMs: 120_000 });
    expect(r.output, initLines(r.output)).toContain(`root device ${devno} is /dev/vdb2 (${devno})`);
    expectRealRoot(r, '/dev/vdb2');
  }, 180_000);
});
