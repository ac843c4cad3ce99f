import { join } from 'node:path';
import type { BuildContext } from '../context.js';
import { describeProblem, fixFor, untrustedComponent } from './owner-rule.js';

/**
 * Inputs a user may hand the build on purpose — an overlay, a firmware dir, a module tree, a
 * kernel source tree, SSH key files — are not refused when another user controls them, but root
 * hears it once per run: what is in them goes into the image (or builds the kernel) as it is.
 */
export function untrustedInputs(ctx: BuildContext): Array<{ what: string; path: string }> {
  const s = ctx.settings;
  const inputs: Array<{ what: string; path: string }> = [];
  if (s.INITRAMFS_OVERLAY) inputs.push({ what: 'initramfs overlay', path: s.INITRAMFS_OVERLAY });
  if (s.FIRMWARE || s.ALLFIRMWARE || s.FIRMWARE_FILES) inputs.push({ what: 'firmware dir', path: s.FIRMWARE_DIR });
  const modules = join(s.KERNEL_MODULES_PREFIX || '/', 'lib/modules', s.KERNEL_VERSION);
  inputs.push({ what: 'module tree', path: modules });
  if (ctx.command !== 'initramfs' || !s.KERNEL_VERSION) inputs.push({ what: 'kernel source tree', path: s.KERNEL_DIR });
  if (s.SSH) {
    inputs.push({ what: 'SSH authorized keys file', path: s.SSH_AUTHORIZED_KEYS_FILE || '/etc/dropbear/authorized_keys' });
    if ((s.SSH_HOST_KEYS || 'create') === 'create') inputs.push({ what: 'SSH host key dir', path: '/etc/dropbear' });
    if (s.SSH_HOST_KEYS === 'create-from-host') inputs.push({ what: 'SSH host key dir', path: '/etc/ssh' });
  }
  return inputs;
}

export function warnUntrustedInputs(ctx: BuildContext): void {
  for (const { what, path } of untrustedInputs(ctx)) {
    const bad = untrustedComponent(path);
    if (bad) ctx.log.warn(`the ${what} ${path} is not root's alone: ${describeProblem(bad)}; it goes into the build as it is — ${fixFor(bad)}`);
  }
}
