import { describe, test, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ukiCmdline, checkCmdline } from './cmdline.js';

function proc(mounts: string, cmdline: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsgk-proc-'));
  writeFileSync(join(dir, 'mounts'), mounts);
  writeFileSync(join(dir, 'cmdline'), cmdline);
  return dir;
}
const noUuid = async () => undefined;

describe('the UKI command line', () => {
  test('--uki-cmdline wins', async () => {
    const r = await ukiCmdline({ given: 'root=LABEL=x quiet', procRoot: proc('/dev/vda2 / ext4 rw 0 0\n', 'root=/dev/sda1'), uuidOf: noUuid });
    expect(r.cmdline).toBe('root=LABEL=x quiet');
  });

  test("default: the machine's root, by UUID when it has one", async () => {
    const p = proc('rootfs / rootfs rw 0 0\n/dev/vda2 / ext4 rw 0 0\n', 'BOOT_IMAGE=/vmlinuz root=/dev/sda1');
    expect((await ukiCmdline({ given: '', procRoot: p, uuidOf: async (d) => (d === '/dev/vda2' ? '1234-abcd' : undefined) })).cmdline).toBe('root=UUID=1234-abcd');
    expect((await ukiCmdline({ given: '', procRoot: p, uuidOf: noUuid })).cmdline).toBe('root=/dev/vda2');
  });

  test('no usable root mount: the running command line without initrd= and BOOT_IMAGE=', async () => {
    const p = proc('overlay / overlay rw 0 0\n', 'BOOT_IMAGE=/vmlinuz-6 initrd=\\initrd.img root=UUID=42 ro quiet initrd=/b\n');
    expect((await ukiCmdline({ given: '', procRoot: p, uuidOf: noUuid })).cmdline).toBe('root=UUID=42 ro quiet');
  });

  test('nothing found: an error asking for --uki-cmdline', async () => {
    const p = proc('overlay / overlay rw 0 0\n', 'console=ttyS0 quiet\n');
    await expect(ukiCmdline({ given: '', procRoot: p, uuidOf: noUuid })).rejects.toThrow(/no kernel command line for the UKI/);
  });

  test('initrd= and line breaks are refused', () => {
    expect(() => checkCmdline('root=/dev/vda initrd=\\x.img', '--uki-cmdline')).toThrow(/contains 'initrd=\\x.img'/);
    expect(() => checkCmdline('root=/dev/vda\nquiet', '--uki-cmdline')).toThrow(/several lines/);
    expect(checkCmdline('root=/dev/vda ro', 'x')).toBe('root=/dev/vda ro');
  });
});
