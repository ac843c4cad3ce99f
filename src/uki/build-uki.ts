import { readFile, writeFile } from 'node:fs/promises';
import { GkError } from '../errors.js';
import { addSections, type NewSection } from './pe.js';

/** Debian's systemd-boot-efi puts the stub here. */
export const DEFAULT_STUB = '/usr/lib/systemd/boot/efi/linuxx64.efi.stub';

export interface UkiInputs {
  stub: string;
  kernel: string;
  /** The assembled initramfs, early microcode archive first (as written by the assemble stage). */
  initramfs: string;
  cmdline: string;
  osRelease: string;
  /** The kernel release (.uname), as `uname -r` will print it. */
  kv: string;
}

/**
 * The sections systemd-stub reads, in the order its documentation lists them; .linux goes
 * last so that the kernel, the largest, has nothing after it. Every input is a file or a
 * string the caller fixed, so equal inputs give equal bytes.
 */
export async function buildUki(inputs: UkiInputs, dest: string): Promise<number> {
  const read = (what: string, path: string) =>
    readFile(path).catch((e: NodeJS.ErrnoException) => {
      throw new GkError(`the UKI's ${what} ${path} cannot be read (${e.code})`, what === 'EFI stub' ? 'install systemd-boot-efi, or pass --uki-stub=FILE' : 'check the path');
    });
  const sections: NewSection[] = [
    { name: '.osrel', data: Buffer.from(inputs.osRelease) },
    { name: '.cmdline', data: Buffer.from(inputs.cmdline) },
    { name: '.uname', data: Buffer.from(inputs.kv) },
    { name: '.initrd', data: await read('initramfs', inputs.initramfs) },
    { name: '.linux', data: await read('kernel', inputs.kernel) },
  ];
  const uki = addSections(await read('EFI stub', inputs.stub), sections);
  await writeFile(dest, uki);
  return uki.length;
}

/** os-release as systemd reads it: /etc/os-release, else /usr/lib/os-release. */
export async function readOsRelease(candidates: readonly string[] = ['/etc/os-release', '/usr/lib/os-release']): Promise<{ text: string; id: string }> {
  for (const path of candidates) {
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const id = /^ID=["']?([^"'\n]*)["']?$/m.exec(text)?.[1] || 'linux';
    // The id becomes part of a file name on the ESP.
    return { text, id: id.replace(/[^A-Za-z0-9._-]/g, '_') };
  }
  throw new GkError('neither /etc/os-release nor /usr/lib/os-release exists: the UKI needs it for its .osrel section', 'install the base-files package (Debian) or sys-apps/baselayout (Gentoo)');
}
