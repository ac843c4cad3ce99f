import { access, constants, readdir, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildContext } from '../context.js';
import { GkError, isGkError } from '../errors.js';
import { cliInput } from './options.js';
import { createBuildContext } from './build-context.js';
import { resolveKernelStage } from '../stages/resolve-kernel.js';
import { checkModuleCompressionStage } from '../stages/check-module-compression.js';
import { chooseCompressor, COMPRESSORS, hostCompressorTools } from '../image/compressors.js';
import { expandFilename } from '../install/filenames.js';
import { requireCurrentIndex } from '../safety/index-guard.js';
import { enabledFeatures } from '../features/registry.js';
import { loadManifest } from '../gkbuild/manifest.js';
import { loadRecipe, resolveOrder } from '../gkbuild/recipe.js';
import { defaultRecipeSources, fetchScriptPath } from '../gkbuild/paths.js';
import { toolCacheDir } from '../gkbuild/index.js';
import { lockPathFor, describeOwner, type LockOwner } from '../safety/boot-lock.js';
import { isSameProcessAlive } from '../safety/process-info.js';
import { leftoverInstallTemps } from '../safety/install-temps.js';
import { readFileSync } from 'node:fs';

/**
 * `tsgenkernel check`: everything an initramfs build would trip over, found without building
 * or writing anything. One line per check; the exit status is 1 when any line says FAIL.
 */
export type CheckStatus = 'ok' | 'warn' | 'FAIL';

export interface CheckLine {
  status: CheckStatus;
  name: string;
  text: string;
  hint?: string;
}

type Check = (ctx: BuildContext) => Promise<CheckLine | CheckLine[] | undefined>;

const line = (status: CheckStatus, name: string, text: string, hint?: string): CheckLine => ({ status, name, text, ...(hint ? { hint } : {}) });

/** A check that throws a GkError fails with its message and hint; anything else is a bug. */
async function guarded(name: string, fn: () => Promise<CheckLine | CheckLine[] | undefined>): Promise<CheckLine[]> {
  try {
    const r = await fn();
    return r === undefined ? [] : Array.isArray(r) ? r : [r];
  } catch (err) {
    if (isGkError(err)) return [line('FAIL', name, err.message.split('\n')[0]!, err.hint)];
    throw err;
  }
}

const isRoot = () => process.getuid?.() === 0;
const mb = (bytes: number) => Math.floor(bytes / 1048576);

const userCheck: Check = async (ctx) => {
  const s = ctx.settings;
  if (isRoot()) return line('ok', 'user', 'running as root');
  if (!s.INSTALL) return line('ok', 'user', 'not root, and --no-install writes nothing outside TMPDIR');
  const writable = await access(ctx.paths.bootdir, constants.W_OK).then(() => true, () => false);
  if (writable) return line('warn', 'user', `not root, but ${ctx.paths.bootdir} is writable: the image can be installed`);
  return line('FAIL', 'user', `not root, and ${ctx.paths.bootdir} is not writable by this user`, 'run tsgenkernel as root (sudo), or pass --bootdir=DIR you can write, or --no-install');
};

const bootDirCheck: Check = async (ctx) => {
  const s = ctx.settings;
  if (!s.INSTALL) return line('ok', 'boot dir', '--no-install: the boot dir is not written');
  const dir = ctx.paths.bootdir;
  const st = await stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) {
    return line('FAIL', 'boot dir', `${dir} does not exist`, 'create or mount it (--mountboot mounts it when fstab lists it), or pass --bootdir=DIR');
  }
  const out: CheckLine[] = [];
  const fs = await statfs(dir);
  const free = fs.bavail * fs.bsize;
  // The new image is written beside the old one before the rename: its full size must fit.
  const kernel = ctx.kernel;
  const name = kernel ? expandFilename(s.INITRAMFS_FILENAME, { kv: kernel.version, arch: kernel.arch }) : undefined;
  const previous = name ? await stat(join(dir, name)).then((x) => x.size, () => 0) : 0;
  const wantMb = Math.max(s.CHECK_FREE_DISK_SPACE_BOOTDIR, mb(previous * 1.2) + 1);
  if (mb(free) < wantMb) {
    const why = s.CHECK_FREE_DISK_SPACE_BOOTDIR >= wantMb ? `--check-free-disk-space-bootdir asks for ${wantMb} MB` : `the current ${name} is ${mb(previous)} MB and its replacement is written beside it`;
    out.push(line('FAIL', 'free space', `${dir} has ${mb(free)} MB free; ${why}`, 'free space there (old kernels, *.old files), or pass --bootdir=DIR'));
  } else {
    out.push(line('ok', 'free space', `${dir}: ${mb(free)} MB free${previous ? ` (current image ${mb(previous)} MB)` : ''}`));
  }
  const lockPath = lockPathFor(dir);
  let holder: LockOwner | undefined;
  try {
    holder = JSON.parse(readFileSync(lockPath, 'utf8')) as LockOwner;
  } catch {
    holder = undefined;
  }
  if (holder && typeof holder.pid === 'number' && isSameProcessAlive(holder.pid, holder.startTicks ?? null)) {
    out.push(line('FAIL', 'lock', `another run is writing ${dir}: ${describeOwner(holder)}`, `wait for it, or stop it (kill ${holder.pid})`));
  } else if (holder) {
    out.push(line('ok', 'lock', `stale lock ${lockPath} (pid ${holder.pid} is gone); the next run takes it over`));
  }
  const temps = leftoverInstallTemps(dir);
  if (temps.length) out.push(line('warn', 'leftovers', `${dir} holds temp files of an install that was killed: ${temps.join(', ')}`, `remove them (rm ${temps.map((t) => join(dir, t)).join(' ')})`));
  return out;
};

const tmpDirCheck: Check = async (ctx) => {
  const dir = ctx.settings.TMPDIR;
  // The nearest existing ancestor decides whether the run can create it.
  let probe = dir;
  while (!(await stat(probe).then(() => true, () => false))) probe = join(probe, '..');
  const writable = await access(probe, constants.W_OK).then(() => true, () => false);
  if (!writable) return line('FAIL', 'temp dir', `${dir} cannot be created or written (${probe} is not writable)`, 'run as root, or pass --tmpdir=DIR you can write');
  const fs = await statfs(probe);
  return line(mb(fs.bavail * fs.bsize) < 256 ? 'warn' : 'ok', 'temp dir', `${dir}: ${mb(fs.bavail * fs.bsize)} MB free`);
};

const kernelCheck: Check = async (ctx) => {
  const detail = await resolveKernelStage.run(ctx);
  return line('ok', 'kernel', String(detail ?? ctx.kernel?.version));
};

const moduleCompressionCheck: Check = async (ctx) => {
  if (!ctx.kernel || !checkModuleCompressionStage.enabled(ctx)) return undefined;
  const detail = await checkModuleCompressionStage.run(ctx);
  return line('ok', 'module compression', String(detail ?? ''));
};

const moduleIndexCheck: Check = async (ctx) => {
  const k = ctx.kernel;
  if (!k || !ctx.settings.RAMDISKMODULES || !k.config.enabled('MODULES')) return undefined;
  const h = await requireCurrentIndex(k.moduleDir, k.version, ctx.settings.KERNEL_MODULES_PREFIX, k.moduleCompression);
  const extra = h.unindexed.length ? `, ${h.unindexed.length} module files not indexed` : '';
  return line('ok', 'module index', `${h.indexed} modules indexed in ${k.moduleDir}${extra}`);
};

const modulesCheck: Check = async (ctx) => {
  const k = ctx.kernel;
  if (!k || !ctx.settings.RAMDISKMODULES || !k.config.enabled('MODULES')) return undefined;
  const { selectModulesStage } = await import('../stages/select-modules.js');
  // The stage warns about missing modules itself; here the check line says it, once.
  const { warn, warnOnce } = ctx.log;
  ctx.log.warn = ctx.log.warnOnce = () => undefined;
  let detail: string | void;
  try {
    detail = await selectModulesStage.run(ctx);
  } finally {
    Object.assign(ctx.log, { warn, warnOnce });
  }
  const missing = ctx.modules?.missing ?? [];
  if (missing.length) return line('warn', 'modules', `${detail}; not in the tree: ${missing.join(' ')}`, 'these are left out (genkernel does the same); drop them from MODULES_* if the kernel has no such module');
  return line('ok', 'modules', String(detail));
};

const compressorCheck: Check = async (ctx) => {
  const k = ctx.kernel;
  const hostHas = await hostCompressorTools();
  const choice = chooseCompressor(ctx.settings, k?.config, hostHas);
  const rd = k
    ? Object.values(COMPRESSORS)
        .flatMap((c) => (c.rdSymbol && k.config.builtin(c.rdSymbol) ? [c.rdSymbol.slice(3).toLowerCase()] : []))
        .join(' ')
    : 'unknown (no kernel config)';
  return line('ok', 'initramfs compression', `${choice.name}${choice.level ? ` -${choice.level}` : ''} (kernel unpacks: ${rd || 'nothing compressed'})`);
};

const distfilesCheck: Check = async (ctx) => {
  const names = [...new Set(enabledFeatures(ctx).flatMap((f) => f.tools?.(ctx) ?? []))];
  if (names.length === 0) return line('ok', 'static tools', 'none needed');
  const sources = defaultRecipeSources();
  const manifest = loadManifest(sources.manifestPath);
  const recipes = resolveOrder((n) => loadRecipe(sources, manifest, n), names);
  const out: CheckLine[] = [];
  const cacheDir = toolCacheDir(ctx);
  for (const r of recipes) {
    const path = join(ctx.paths.distdir, r.distfile.file);
    const present = await stat(path).then((s) => s.isFile(), () => false);
    const cached = (await readdir(join(cacheDir, r.name)).catch(() => [] as string[])).filter((e) => !e.startsWith('.')).length;
    if (present) out.push(line('ok', `distfile ${r.name}`, `${path}${cached ? ` (${cached} cached build${cached > 1 ? 's' : ''})` : ''}`));
    else if (cached) out.push(line('warn', `distfile ${r.name}`, `${r.distfile.file} is not in ${ctx.paths.distdir}; a cached build exists, a rebuild (new config or compiler) would fail`, `run ${fetchScriptPath()} ${ctx.paths.distdir}`));
    else out.push(line('FAIL', `distfile ${r.name}`, `${r.distfile.file} (${r.name} ${r.version}) is not in ${ctx.paths.distdir} and nothing is cached`, `run ${fetchScriptPath()} ${ctx.paths.distdir}`));
  }
  return out;
};

/** The user's genkernel settings (conf keys, flags) whose feature tsgenkernel does not offer. */
const notOfferedCheck: Check = async (ctx) => {
  const lines = ctx.notOffered ?? [];
  if (lines.length === 0) return line('ok', 'genkernel settings', 'every genkernel setting given is offered');
  return lines.map((l) => line('warn', 'not offered', l));
};

/** Runs every check; later checks use what earlier ones found (the kernel facts). */
export async function runChecks(ctx: BuildContext): Promise<CheckLine[]> {
  const checks: Array<[string, Check]> = [
    ['user', userCheck],
    ['kernel', kernelCheck],
    ['boot dir', bootDirCheck],
    ['temp dir', tmpDirCheck],
    ['module compression', moduleCompressionCheck],
    ['module index', moduleIndexCheck],
    ['modules', modulesCheck],
    ['initramfs compression', compressorCheck],
    ['static tools', distfilesCheck],
    ['genkernel settings', notOfferedCheck],
  ];
  const out: CheckLine[] = [];
  for (const [name, fn] of checks) out.push(...(await guarded(name, () => fn(ctx))));
  return out;
}

export function formatCheckLine(l: CheckLine): string {
  return `${l.status.padEnd(4)} ${l.name}: ${l.text}${l.hint ? ` — ${l.hint}` : ''}`;
}

/** `tsgenkernel check [options]`: the same options as a build; nothing is written. */
export async function check(opts: Record<string, unknown>): Promise<void> {
  const ctx = await createBuildContext('initramfs', { ...cliInput(opts), DRY_RUN: true, LOGFILE: '' });
  const lines = await runChecks(ctx);
  process.stdout.write(lines.map(formatCheckLine).join('\n') + '\n');
  const failed = lines.filter((l) => l.status === 'FAIL').length;
  if (failed > 0) throw new GkError(`${failed} check${failed > 1 ? 's' : ''} failed`, 'see the FAIL lines above', 1);
}
