import { describe, test, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageTree } from '../image/image-tree.js';
import { featureTestContext } from '../firmware/test-context.js';
import { authorizedKeyCount, createSshFeature, installSsh } from './ssh.js';
import { GkError } from '../errors.js';

function keysFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsgk-ssh-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'id')]);
  execFileSync('sh', ['-c', 'cp "$1.pub" "$2"', 'sh', join(dir, 'id'), join(dir, 'authorized_keys')]);
  return join(dir, 'authorized_keys');
}

describe('ssh feature (dropbear from dropbear-bin)', () => {
  test('create: host keys made once in the key dir and reused; dropbear with its libraries; login files', async () => {
    const keyDir = mkdtempSync(join(tmpdir(), 'tsgk-hostkeys-'));
    const { ctx } = await featureTestContext({ settings: { SSH: true, SSH_AUTHORIZED_KEYS_FILE: keysFile(), SSH_HOST_KEYS: 'create' } });
    const image = new ImageTree();
    const summary = await installSsh(ctx, image, { hostKeyDir: keyDir });
    expect(summary).toMatch(/1 authorized keys, host keys: create \(3\)/);
    for (const t of ['ed25519', 'ecdsa', 'rsa']) {
      expect(existsSync(join(keyDir, `dropbear_${t}_host_key`))).toBe(true);
      expect(image.get(`etc/dropbear/dropbear_${t}_host_key`)).toMatchObject({ kind: 'file', mode: 0o600 });
    }
    const fp1 = execFileSync('dropbearkey', ['-y', '-f', join(keyDir, 'dropbear_ed25519_host_key')], { encoding: 'utf8' });
    await installSsh(ctx, new ImageTree(), { hostKeyDir: keyDir });
    expect(execFileSync('dropbearkey', ['-y', '-f', join(keyDir, 'dropbear_ed25519_host_key')], { encoding: 'utf8' })).toBe(fp1);
    expect(image.get('usr/sbin/dropbear')?.kind).toBe('file');
    expect([...image.sorted()].some((e) => e.path.endsWith('libc.so.6'))).toBe(true);
    expect(image.get('root/.ssh/authorized_keys')).toMatchObject({ kind: 'file', mode: 0o600 });
    expect(image.get('root')).toMatchObject({ kind: 'dir', mode: 0o700 });
    expect(image.get('usr/sbin/unlock-luks')).toMatchObject({ kind: 'symlink', target: 'gk-unlock' });
    expect(image.get('etc/passwd')?.kind).toBe('file');
  });

  test('runtime: no key material in the image', async () => {
    const { ctx } = await featureTestContext({ settings: { SSH: true, SSH_AUTHORIZED_KEYS_FILE: keysFile(), SSH_HOST_KEYS: 'runtime' } });
    const image = new ImageTree();
    await installSsh(ctx, image);
    expect(image.sorted().filter((e) => e.path.startsWith('etc/dropbear/'))).toEqual([]);
  });

  test('create-from-host converts OpenSSH host keys', async () => {
    const ssh = mkdtempSync(join(tmpdir(), 'tsgk-openssh-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(ssh, 'ssh_host_ed25519_key')]);
    const { ctx } = await featureTestContext({ settings: { SSH: true, SSH_AUTHORIZED_KEYS_FILE: keysFile(), SSH_HOST_KEYS: 'create-from-host' } });
    const image = new ImageTree();
    await installSsh(ctx, image, { opensshDir: ssh });
    const k = image.get('etc/dropbear/dropbear_ed25519_host_key');
    expect(k?.kind).toBe('file');
    // The converted key has the same public half as the OpenSSH one.
    const pub = execFileSync('dropbearkey', ['-y', '-f', (k as { source: string }).source], { encoding: 'utf8' });
    const opensshPub = execFileSync('ssh-keygen', ['-y', '-f', join(ssh, 'ssh_host_ed25519_key')], { encoding: 'utf8' }).split(' ')[1]!;
    expect(pub).toContain(opensshPub);
    const empty = mkdtempSync(join(tmpdir(), 'tsgk-openssh-none-'));
    await expect(installSsh(ctx, new ImageTree(), { opensshDir: empty })).rejects.toThrow(/found no OpenSSH host keys/);
  });

  test('no usable authorized keys is a GkError naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsgk-ak-'));
    mkdirSync(join(dir, 'x'));
    writeFileSync(join(dir, 'empty'), '# nothing here\n\n');
    const { ctx } = await featureTestContext({ settings: { SSH: true, SSH_AUTHORIZED_KEYS_FILE: join(dir, 'empty') } });
    const err = await installSsh(ctx, new ImageTree()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GkError);
    expect((err as GkError).message).toMatch(/needs public keys in .*empty, which holds none/);
    ctx.settings.SSH_AUTHORIZED_KEYS_FILE = join(dir, 'missing');
    await expect(installSsh(ctx, new ImageTree())).rejects.toThrow(/cannot be read/);
    expect(authorizedKeyCount('ssh-ed25519 AAAA x\n# c\n\n')).toBe(1);
  });

  test('the feature asks for network drivers', async () => {
    const { ctx } = await featureTestContext({ settings: { SSH: true } });
    const f = createSshFeature();
    expect(f.modules?.(ctx)).toEqual(expect.arrayContaining(['virtio_net', 'MODULES_NET']));
    expect(f.boot?.file).toBe('25-ssh.sh');
  });
});
