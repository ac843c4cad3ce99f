import { readFile, writeFile } from 'node:fs/promises';
import { GkError } from '../errors.js';
import { KernelConfig } from './kconfig.js';
import { setConfigOption } from './kconfig-edit.js';
import type { RequiredOption } from './required-options.js';

export interface ForcedOption extends RequiredOption {
  /** What the config had before: 'n' for unset. */
  was: string;
}

/**
 * Turns the required options on (=y) in the .config at `configPath`, lets `settle` (make
 * olddefconfig) resolve what they depend on and select, then re-reads the file to check every
 * one stuck. Options already built in are left alone. Returns what was changed, for one output
 * line each. An option whose dependencies are off is dropped by olddefconfig; that is an error
 * naming the option, since a kernel without it cannot boot the image.
 */
export async function enforceOptions(
  configPath: string,
  required: readonly RequiredOption[],
  settle: () => Promise<void>,
): Promise<ForcedOption[]> {
  let text = await readFile(configPath, 'utf8');
  const before = KernelConfig.parse(text);
  const forced: ForcedOption[] = [];
  for (const req of required) {
    if (before.builtin(req.option)) continue;
    forced.push({ ...req, was: before.get(req.option) ?? 'n' });
    text = setConfigOption(text, req.option, 'y');
  }
  if (forced.length === 0) return forced;
  await writeFile(configPath, text);
  await settle();
  const after = await KernelConfig.load(configPath);
  const lost = forced.filter((f) => !after.builtin(f.option));
  if (lost.length > 0) {
    const names = lost.map((f) => `CONFIG_${f.option}`).join(', ');
    throw new GkError(
      `${names} could not be enabled in ${configPath} (${lost.map((f) => f.reason).join('; ')}): an option it depends on is off`,
      'enable it by hand with --menuconfig, or pass a config that has it with --kernel-config=FILE',
    );
  }
  return forced;
}
