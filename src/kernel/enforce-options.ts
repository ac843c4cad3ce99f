import { readFile, writeFile } from 'node:fs/promises';
import { GkError } from '../errors.js';
import { KernelConfig } from './kconfig.js';
import { setConfigOption } from './kconfig-edit.js';
import type { RequiredOption } from './required-options.js';

export interface ForcedOption extends RequiredOption {
  /** What the config had before: 'n' for unset. */
  was: string;
  /** What it was set to: y or m. */
  now: 'y' | 'm';
}

/** Is the option as the requirement wants it: built in, or for a driver at least a module? */
function satisfied(config: KernelConfig, req: RequiredOption): boolean {
  return req.value === 'module' ? config.enabled(req.option) : config.builtin(req.option);
}

/**
 * Turns the required options on (=y, or =m for a driver where modules exist) in the .config at `configPath`, lets `settle` (make
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
  // Drivers become modules when the kernel will have modules (genkernel's choice), else built in.
  const modules = before.enabled('MODULES') || required.some((r) => r.option === 'MODULES');
  for (const req of required) {
    if (satisfied(before, req)) continue;
    const now = req.value === 'module' && modules ? 'm' : 'y';
    forced.push({ ...req, was: before.get(req.option) ?? 'n', now });
    text = setConfigOption(text, req.option, now);
  }
  if (forced.length === 0) return forced;
  await writeFile(configPath, text);
  await settle();
  const after = await KernelConfig.load(configPath);
  // An optional option olddefconfig dropped (its dependencies are off) was not changed after all.
  const kept = forced.filter((f) => !f.optional || satisfied(after, f));
  const lost = kept.filter((f) => !satisfied(after, f));
  if (lost.length > 0) {
    const names = lost.map((f) => `CONFIG_${f.option}`).join(', ');
    throw new GkError(
      `${names} could not be enabled in ${configPath} (${lost.map((f) => f.reason).join('; ')}): an option it depends on is off`,
      'enable it by hand with --menuconfig, or pass a config that has it with --kernel-config=FILE',
    );
  }
  return kept;
}
