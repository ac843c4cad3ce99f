/**
 * iSCSI root (--iscsi), booted: the guest's only disk is the decoy; its root is LUN 1 of a tgtd
 * this test starts on 127.0.0.1 (10.0.2.2 from the guest), logged in with mutual CHAP over a
 * static address. A wrong password: the target refuses the login, the init says so in one
 * line and takes the rescue path (gk.emergency=poweroff here), within its bound.
 */
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { bootFixture, ROOT_UUID, type BootFixture } from '../fixture.js';
import { bootImage, initLines } from '../qemu.js';
import { buildImageOk } from '../build-image.js';
import { listImage } from '../image-files.js';
import { expectRealRoot } from '../one-root.js';
import { startTgt, type Tgt } from './tgt.js';

const TARGET = 'iqn.2026-12.org.tsgenkernel:root';
const CHAP = { user: 'gkinit', password: 'init-secret-12', userIn: 'gktarget', passwordIn: 'target-secret-12' };
const NET = ['-netdev', 'user,id=n0', '-device', 'virtio-net-pci,netdev=n0'];

let fx: BootFixture;
let image: string;
let tgt: Tgt | undefined;

const iscsiArgs = (port: number, password: string) =>
  [
    'ip=10.0.2.15/24 gk.net.gw=10.0.2.2',
    `iscsi_initiatorname=iqn.2026-12.org.tsgenkernel:guest iscsi_target=${TARGET} iscsi_address=10.0.2.2 iscsi_port=${port} iscsi_tgpt=1`,
    `iscsi_username=${CHAP.user} iscsi_password=${password} iscsi_username_in=${CHAP.userIn} iscsi_password_in=${CHAP.passwordIn}`,
  ].join(' ');

beforeAll(async () => {
  fx = bootFixture();
  const work = mkdtempSync(join(fx.scratch, 'iscsi-'));
  image = buildImageOk(fx, ['--iscsi'], 'iscsi').image;
  // The guest writes to the LUN (journal replay, atime): a copy, never the shared fixture.
  const lun = join(work, 'root.img');
  copyFileSync(fx.rootDisk, lun);
  tgt = await startTgt({ iqn: TARGET, lun, ...CHAP });
}, 900_000);

afterAll(async () => {
  await tgt?.stop();
});

describe('boot: iSCSI root', () => {
  test('the image carries iscsistart, its libraries and the iSCSI and network modules', async () => {
    const files = await listImage(image);
    expect(files).toContain('sbin/iscsistart');
    expect(files).toContain('etc/initrd.d/15-iscsi.sh');
    for (const m of ['iscsi_tcp', 'libiscsi', 'scsi_transport_iscsi', 'sd_mod', 'virtio_net']) {
      expect(files.some((f) => f.endsWith(`/${m}.ko.zst`) || f.endsWith(`/${m}.ko`)), m).toBe(true);
    }
    expect(files.some((f) => f.endsWith('libopeniscsiusr.so.0.2.0') || /libopeniscsiusr\.so/.test(f))).toBe(true);
  });

  test('root=UUID= on an iSCSI LUN, mutual CHAP: logged in, the real root reached over the network', async () => {
    const r = await bootImage({
      kernel: fx.kernel,
      initramfs: image,
      disks: [fx.decoyDisk],
      append: `root=UUID=${ROOT_UUID} ${iscsiArgs(tgt!.port, CHAP.password)}`,
      timeoutMs: 240_000,
      extraArgs: NET,
    });
    expect(r.output, initLines(r.output)).toContain(`iscsi: logged in to ${TARGET}; eth0 stays configured after switch_root`);
    expect(r.output).toMatch(/root device UUID=\S+ is \/dev\/sda \(8:0\)/);
    expectRealRoot(r, '/dev/sda');
  }, 300_000);

  test('a wrong CHAP password: the login is refused, one clear line, then the rescue path', async () => {
    const r = await bootImage({
      kernel: fx.kernel,
      initramfs: image,
      disks: [fx.decoyDisk],
      append: `root=UUID=${ROOT_UUID} ${iscsiArgs(tgt!.port, 'wrong-secret-12')} gk.emergency=poweroff`,
      timeoutMs: 240_000,
      extraArgs: NET,
    });
    const lines = initLines(r.output);
    expect(r.output, lines).toContain(`!! iscsi: the login to ${TARGET} at 10.0.2.2:${tgt!.port} failed`);
    expect(r.output).toContain("BOOT FAILED: boot hook 'iscsi_start' (at pre_root) failed");
    expect(r.output).toContain('gk.emergency=poweroff: doing it now');
    expect(r.reachedRoot).toBe(false);
    expect(r.timedOut).toBe(false);
  }, 300_000);
});
