import { join } from 'node:path';
import type { ImageTree } from '../image/image-tree.js';
import { defaultsPath } from '../config/settings.js';

/** Values a fragment reads: a string, or a list that becomes space separated words. */
export type FragmentConf = Readonly<Record<string, string | readonly string[]>>;

/**
 * The boot half of a feature: its fragment defaults/initrd.d/NN-name.sh and the values it works
 * with. The feature's TS file is the only place that names its modules, files and paths; the
 * fragment reads them from the generated NN-name.conf, which /init sources right before it.
 */
export interface BootFragment {
  /** File name under defaults/initrd.d/, e.g. "30-luks.sh". */
  readonly file: string;
  /** Shell variables for the fragment (upper case names), written as NN-name.conf. */
  conf(): FragmentConf;
}

/** Single-quoted for sh: the value is taken literally, whatever it holds. */
export function shQuote(v: string): string {
  return `'${v.replace(/'/g, `'\\''`)}'`;
}

/** NAME='value' lines; lists joined with one space. */
export function renderConf(conf: FragmentConf): string {
  return Object.entries(conf)
    .map(([name, value]) => {
      if (!/^[A-Z][A-Z0-9_]*$/.test(name)) throw new Error(`fragment conf variable ${name} is not an upper case shell name`);
      return `${name}=${shQuote(typeof value === 'string' ? value : value.join(' '))}\n`;
    })
    .join('');
}

export function confFileOf(fragment: string): string {
  return fragment.replace(/\.sh$/, '.conf');
}

/** Called from a feature's install(): its fragment and its generated conf go into /etc/initrd.d. */
export function addBootFragment(image: ImageTree, boot: BootFragment): void {
  image.addFile(`etc/initrd.d/${boot.file}`, defaultsPath(join('initrd.d', boot.file)), 0o644);
  image.addFile(`etc/initrd.d/${confFileOf(boot.file)}`, Buffer.from(renderConf(boot.conf())), 0o644);
}

/** Image paths are relative ("etc/mdadm.conf"); the boot side sees them absolute. */
export function bootPath(imagePath: string): string {
  return `/${imagePath}`;
}
