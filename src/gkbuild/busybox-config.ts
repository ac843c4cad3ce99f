import { existsSync, readFileSync } from 'node:fs';
import { defaultsPath } from '../config/settings.js';
import type { BuildContext } from '../context.js';
import { GkError } from '../errors.js';
import { setConfigOption } from '../kernel/kconfig-edit.js';

/** busybox's module applets: replaced by kmod when KMOD is on, busybox's own when it is off. */
export const MODUTILS_SYMBOLS = ['MODPROBE', 'INSMOD', 'RMMOD', 'LSMOD', 'DEPMOD', 'MODINFO'] as const;

/**
 * The .config busybox is built with: the base file with the settings tsgenkernel depends on
 * forced. Comments other than "is not set" lines are dropped, so a regenerated file that differs
 * only in its timestamp header keeps the same cache key.
 */
export function effectiveBusyboxConfig(base: string, opts: { kmod: boolean }): string {
  let config = base
    .split('\n')
    .filter((l) => !l.startsWith('#') || / is not set$/.test(l))
    .join('\n');
  const set = (name: string, on: boolean) => (config = setConfigOption(config, name, on ? 'y' : 'n'));
  set('STATIC', true);
  // A bare `modprobe` in ash must run /sbin/modprobe (kmod), never a built-in applet.
  set('FEATURE_PREFER_APPLETS', false);
  set('FEATURE_SH_STANDALONE', false);
  for (const s of MODUTILS_SYMBOLS) set(s, !opts.kmod);
  return config.replace(/\n{2,}/g, '\n');
}

/** The base file: --busybox-config when given, else defaults/busy-config. */
export function busyboxConfigFor(ctx: BuildContext): string {
  const path = ctx.settings.BUSYBOX_CONFIG || defaultsPath('busy-config');
  if (!existsSync(path)) {
    throw new GkError(`busybox config ${path} does not exist`, 'fix --busybox-config (BUSYBOX_CONFIG) or leave it empty for the default');
  }
  return effectiveBusyboxConfig(readFileSync(path, 'utf8'), { kmod: ctx.settings.KMOD });
}
