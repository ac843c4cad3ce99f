import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { GkError } from '../errors.js';
import { resolveSettings } from '../config/settings.js';
import { expandFilename } from '../install/filenames.js';
import { hostMachine } from '../kernel/kernel-version.js';
import { DEFAULT_CONF } from './build-context.js';
import { readFile } from 'node:fs/promises';

/**
 * `tsgenkernel hook add|remove KV [IMAGE]`: what the installed kernel hooks run. The boot dir is
 * the one the kernel image was installed into (dirname of IMAGE), else BOOTDIR from the conf;
 * TSGENKERNEL_CONF names another genkernel.conf (tests point both at temp dirs this way).
 * A failed build exits non-zero and leaves the previous image, so the package manager reports it.
 */
export async function hookCommand(action: string, kv: string, image: string | undefined): Promise<void> {
  if (!kv) throw new GkError('hook: no kernel version given', 'the hooks call: tsgenkernel hook add|remove KV [IMAGE]', 2);
  const config = process.env.TSGENKERNEL_CONF || undefined;
  const bootdir = image ? dirname(image) : undefined;
  if (action === 'add') {
    const { runBuild } = await import('../cli/run-build.js');
    await runBuild('initramfs', { kernelVersion: kv, ...(bootdir ? { bootdir } : {}), mountboot: false, config });
    return;
  }
  if (action === 'remove') {
    const confPath = config ?? DEFAULT_CONF;
    const confText = await readFile(confPath, 'utf8').catch(() => {
      if (config) throw new GkError(`config file ${config} cannot be read`, 'point TSGENKERNEL_CONF at an existing file');
      return undefined;
    });
    const s = resolveSettings({ confText, confPath, cli: {} }).settings;
    const name = expandFilename(s.INITRAMFS_FILENAME, { kv, arch: hostMachine() });
    const dir = bootdir ?? s.BOOTDIR;
    for (const f of [name, `${name}.old`]) await rm(join(dir, f), { force: true });
    process.stderr.write(`tsgenkernel: removed ${join(dir, name)}\n`);
    return;
  }
  throw new GkError(`hook: unknown action '${action}'`, 'use add or remove', 2);
}
