/**
 * A LUKS device that appears late, with `debug` on: the init's log lines must not become the
 * device name. (The bug: LUKS_DEV=$(luks_wait ...) captured the debug lines the wait printed
 * on stdout while it loaded drivers for devices that showed up, and then "had no LUKS header".)
 *
 * Faithful lateness: the LUKS disk is not there at boot at all. QEMU holds its drive without a
 * device, and the test plugs a virtio disk in through QMP (ACPI PCI hotplug, as a disk plugged
 * into a running machine) once the init has started unlocking. The init then has to find a new
 * PCI device, load virtio_pci and virtio_blk for it while waiting, and only then sees the disk:
 * exactly the path where the wait logs "device pass" lines under debug. rootdelay= raises the
 * wait's bound so that a loaded machine still sees the disk in time.
 */
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { createConnection } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { bootFixture, type BootFixture } from '../fixture.js';
import { bootImage, initLines } from '../qemu.js';
import { buildImageOk } from '../build-image.js';
import { storageDisks, STORAGE, type StorageDisks } from './disks.js';

let fx: BootFixture;
let disks: StorageDisks;
let image: string;
let dir: string;
const timings: string[] = [];

beforeAll(async () => {
  fx = bootFixture();
  disks = (await storageDisks(fx)).disks;
  // The modalias pass is what this test is about (its "device pass" lines): udev stays out.
  const built = buildImageOk(fx, ['--luks', '--no-udev'], 'luks-late');
  timings.push(`build --luks: ${built.ms} ms`);
  image = built.image;
  dir = mkdtempSync(join(fx.scratch, 'luks-late-'));
}, 900_000);

afterAll(() => {
  if (timings.length) console.log(`late LUKS device:\n  ${timings.join('\n  ')}`);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** One QMP command on QEMU's control socket (after the capabilities handshake); resolves with QEMU's answer. */
function qmp(socket: string, command: object): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = createConnection(socket);
    let buf = '';
    let step = 0;
    c.on('data', (d) => {
      buf += d.toString();
      if (step === 0 && buf.includes('"QMP"')) {
        step = 1;
        buf = '';
        c.write(`${JSON.stringify({ execute: 'qmp_capabilities' })}\n`);
      } else if (step === 1 && buf.includes('"return"')) {
        step = 2;
        buf = '';
        c.write(`${JSON.stringify(command)}\n`);
      } else if (step === 2 && /"(return|error)"/.test(buf)) {
        c.end();
        resolve(buf.trim());
      }
    });
    c.on('error', reject);
  });
}

describe('LUKS device that appears late, with debug on', () => {
  test('the hot-plugged crypt_root= disk is found, unlocked and the root reached', async () => {
    const socket = join(dir, 'qmp.sock');
    let plugged: Promise<string> | undefined;
    const r = await bootImage({
      kernel: fx.kernel,
      initramfs: image,
      // No disk at boot: the LUKS disk's drive waits in QEMU without a device.
      disks: [],
      extraArgs: ['-drive', `file=${disks.luks},if=none,id=late,format=raw,snapshot=on`, '-qmp', `unix:${socket},server=on,wait=off`],
      append: `debug rootdelay=90 crypt_root=UUID=${STORAGE.luksUuid} root=/dev/mapper/root`,
      timeoutMs: 300_000,
      onOutput: (out) => {
        // The unlock hook has started: only now does the disk arrive.
        if (!plugged && out.includes('hook pre_root: luks_unlock')) {
          plugged = qmp(socket, { execute: 'device_add', arguments: { driver: 'virtio-blk-pci', drive: 'late', id: 'latedisk' } });
        }
      },
      typeOn: [{ after: 'Enter passphrase for', text: `${STORAGE.passphrase}\n` }],
    });
    timings.push(`hot-plugged LUKS disk: ${r.reachedRoot ? `root reached in ${r.ms} ms` : `no root, QEMU exited after ${r.totalMs} ms`}`);
    expect(await plugged, 'QMP device_add').toMatch(/"return"/);
    const lines = initLines(r.output);
    expect(r.reachedRoot, lines).toBe(true);
    // The disk really came during the wait: drivers were loaded for it (logged under debug)
    // between the start of the wait and the prompt.
    const waitAt = lines.indexOf('for crypt_root= UUID=');
    const promptAt = r.output.indexOf('Enter passphrase for /dev/vda');
    expect(waitAt, lines).toBeGreaterThan(0);
    expect(promptAt, lines).toBeGreaterThan(0);
    const during = lines.slice(waitAt);
    expect(during, lines).toMatch(/\.\. device pass \d+: \d+ new aliases/);
    expect(r.output).not.toContain('has no LUKS header');
    expect(r.output).toContain('luks: /dev/vda is open as /dev/mapper/root');
  }, 400_000);
});
