/**
 * defaults/initrd.lib/mappings.sh under dash: the real root's /etc/crypttab names the
 * mappings the init opened. cryptsetup and dmsetup are stand-ins on PATH (dmsetup records what
 * it was asked); the QEMU proof is the LVM-on-LUKS scenario in test/boot/storage.
 */
import { describe, test, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const LIB = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'defaults', 'initrd.lib');

function setup(crypttab: string, opened: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'tsgk-mappings-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  mkdirSync(join(dir, 'newroot', 'etc'), { recursive: true });
  writeFileSync(join(dir, 'newroot', 'etc', 'crypttab'), crypttab);
  const disk = join(dir, 'vda3');
  writeFileSync(disk, '');
  writeFileSync(join(dir, 'opened'), opened.map((l) => l.replace('DISK', disk) + '\n').join(''));
  const tool = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  tool('cryptsetup', '[ "$1" = luksUUID ] && echo 7d1f3c55-8e2a-4b6c-9d0e-1f2a3b4c5d6e');
  tool('dmsetup', `echo "$*" >>'${join(dir, 'dmsetup.calls')}'`);
  tool('findfs', 'exit 1');
  tool('blkid', 'exit 2');
  const lib = readdirSync(LIB).filter((f) => f.endsWith('.sh')).sort().map((f) => `. '${join(LIB, f)}'`);
  const script = [...lib, `GK_OPENED='${join(dir, 'opened')}'`, `GK_NEWROOT='${join(dir, 'newroot')}'`, 'gk_crypttab_names; echo "rc=$?"'].join('\n');
  const r = spawnSync('dash', ['-c', script], { encoding: 'utf8', env: { PATH: `${bin}:/usr/bin:/bin` } });
  const read = (f: string) => {
    try {
      return readFileSync(join(dir, f), 'utf8');
    } catch {
      return '';
    }
  };
  return { out: r.stdout, err: r.stderr, calls: read('dmsetup.calls'), opened: read('opened'), disk };
}

describe('crypttab names for the mappings the init opened', () => {
  test('an entry naming the opened container by UUID= renames it; other entries and kinds are left alone', () => {
    const r = setup(
      [
        '# <target name> <source device> <key file> <options>',
        '',
        'data_crypt UUID=00000000-0000-4000-8000-000000000000 none luks',
        'cswap /dev/disk/by-partlabel/swap /dev/urandom swap,cipher=aes-xts-plain64',
        'vda3_crypt UUID=7d1f3c55-8e2a-4b6c-9d0e-1f2a3b4c5d6e none luks,discard',
      ].join('\n') + '\n',
      ['root DISK'],
    );
    expect(r.out).toContain('rc=0');
    expect(r.calls).toBe('rename root vda3_crypt\n');
    expect(r.err).toContain('crypttab: /dev/mapper/root renamed to vda3_crypt');
    expect(r.opened).toBe(`vda3_crypt ${r.disk}\n`);
  });

  test('a device path entry matches the same node; a plain or swap entry naming it does not', () => {
    const byPath = setup('p_crypt DISKPATH none luks\n'.replace('DISKPATH', '/nonexistent'), ['root DISK']);
    expect(byPath.calls).toBe('');
    const r0 = setup('', ['root DISK']);
    const tab = `plainone ${r0.disk} /dev/urandom plain\nsw ${r0.disk} /dev/urandom swap\nnamed ${r0.disk} none\n`;
    const r = setup(tab, [`root ${r0.disk}`]);
    expect(r.calls).toBe('rename root named\n');
  });

  test('no crypttab, or nothing opened: nothing renamed, the boot goes on', () => {
    const r = setup('', []);
    expect(r.out).toContain('rc=0');
    expect(r.calls).toBe('');
  });
});
