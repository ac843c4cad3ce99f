import { describe, expect, it } from 'vitest';
import { ImageTree } from './image-tree.js';
import { isSecret, secretSourcesUnder } from './image-secrets.js';

describe('secrets in an image', () => {
  it('are SSH host keys, authorized keys, and files others may not read', () => {
    expect(isSecret('etc/dropbear/dropbear_ed25519_host_key', 0o644)).toBe(true);
    expect(isSecret('root/.ssh/authorized_keys', 0o644)).toBe(true);
    expect(isSecret('etc/luks.key', 0o400)).toBe(true);
    expect(isSecret('etc/motd', 0o644)).toBe(false);
  });

  it('whose source is in the temp dir are what --no-cleanup names', () => {
    const t = new ImageTree();
    t.addFile('etc/motd', '/srv/overlay/etc/motd', 0o644);
    t.addFile('root/.ssh/authorized_keys', Buffer.from('ssh-ed25519 AAAA'), 0o600);
    t.addFile('etc/dropbear/dropbear_rsa_host_key', '/var/tmp/tsgenkernel/initramfs-x/dropbear-image-keys/dropbear_rsa_host_key', 0o600);
    t.addFile('etc/luks.key', '/srv/overlay/etc/luks.key', 0o400);
    expect(secretSourcesUnder(t, '/var/tmp/tsgenkernel/initramfs-x')).toEqual(['/var/tmp/tsgenkernel/initramfs-x/dropbear-image-keys/dropbear_rsa_host_key']);
  });
});
