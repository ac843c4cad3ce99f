import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildContext } from '../context.js';
import { need } from '../context.js';
import type { ImageTree } from '../image/image-tree.js';
import type { Feature } from './feature.js';
import { GkError } from '../errors.js';
import { builtinValues, loadBuiltinModinfo } from '../kmod/builtin-modinfo.js';
import { modulesFirmware } from '../kmod/modinfo.js';
import { FirmwareCollector, firmwarePolicy, missingFirmwareReport } from '../firmware/firmware-files.js';

/** FIRMWARE_FILES: comma (or blank) separated names relative to the firmware dir. */
export function explicitFirmwareFiles(value: string): string[] {
  return value.split(/[,\s]+/).map((s) => s.trim()).filter(Boolean);
}

/**
 * What the selected modules and the built-in drivers declare with MODULE_FIRMWARE(), by name,
 * with who asks.
 */
export async function declaredFirmware(ctx: BuildContext): Promise<Map<string, string[]>> {
  const kernel = need(ctx, 'kernel');
  const plan = ctx.modules;
  const byName = plan ? await modulesFirmware(kernel.moduleDir, plan.modules.map((m) => m.relPath)) : new Map<string, string[]>();
  const builtin = builtinValues(await loadBuiltinModinfo(kernel.moduleDir), 'firmware');
  for (const { module, value } of builtin) byName.set(value, [...(byName.get(value) ?? []), `${module} (built in)`]);
  return byName;
}

/**
 * Union of three sources: every file with --all-firmware, the explicit --firmware-files (each
 * must exist: a typo should stop the build), and with FIRMWARE=yes what the drivers declare
 * (often for chips this machine lacks, so what is missing is only warned about, in one line).
 */
export async function installFirmware(ctx: BuildContext, image: ImageTree): Promise<string> {
  const s = ctx.settings;
  const dir = s.FIRMWARE_DIR;
  const explicit = explicitFirmwareFiles(s.FIRMWARE_FILES);
  const dirOk = (await stat(dir).catch(() => undefined))?.isDirectory() ?? false;
  if (!dirOk) {
    if (s.ALLFIRMWARE || explicit.length > 0) {
      throw new GkError(`firmware directory ${dir} does not exist`, 'install the firmware packages, or pass the right directory with --firmware-dir=DIR');
    }
    ctx.log.warnOnce(`firmware-dir:${dir}`, `firmware directory ${dir} does not exist: the image gets no firmware`);
    return 'no firmware dir';
  }
  const collector = new FirmwareCollector(image, dir, firmwarePolicy(need(ctx, 'kernel').config), join(ctx.paths.tmp, 'firmware'));
  let allCount = 0;
  if (s.ALLFIRMWARE) allCount = await collector.addAll();
  const absent: string[] = [];
  for (const name of explicit) if (!(await collector.addName(name))) absent.push(name);
  if (absent.length > 0) {
    throw new GkError(
      `--firmware-files names ${absent.length === 1 ? 'a file' : 'files'} not in ${dir}: ${absent.join(', ')}`,
      `names are relative to the firmware dir (e.g. "i915/skl_dmc_ver1_27.bin"); a .xz or .zst copy counts too`,
    );
  }
  let declaredCount = 0;
  if (s.FIRMWARE) {
    const declared = await declaredFirmware(ctx);
    const missing = new Map<string, string[]>();
    for (const [name, who] of declared) {
      if (await collector.addName(name)) declaredCount++;
      else missing.set(name, who);
    }
    const report = missingFirmwareReport(missing, dir);
    if (report.warning) ctx.log.warnOnce('firmware-missing', report.warning);
    for (const line of report.details) ctx.log.debug(line, 3);
  }
  const mib = (collector.bytes / 1048576).toFixed(1);
  const parts = [s.ALLFIRMWARE ? `${allCount} files (all)` : '', explicit.length ? `${explicit.length} listed` : '', s.FIRMWARE ? `${declaredCount} declared by drivers` : ''];
  return `firmware: ${parts.filter(Boolean).join(', ')}, ${mib} MiB`;
}

export const firmwareFeature: Feature = {
  name: 'firmware',
  enabled: (ctx) => ctx.settings.FIRMWARE || ctx.settings.ALLFIRMWARE || ctx.settings.FIRMWARE_FILES.trim() !== '',
  async install(ctx, image) {
    ctx.log.debug(await installFirmware(ctx, image), 2);
  },
};
