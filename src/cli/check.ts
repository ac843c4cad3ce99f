import { access, constants, readdir, stat, statfs } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildContext } from '../context.js';
import { GkError, isGkError } from '../errors.js';
import type { Stage } from '../pipeline.js';
import { cliInput } from './options.js';
import { createBuildContext } from './build-context.js';
import { resolveKernelStage } from '../stages/resolve-kernel.js';
import { moduleCompressionStage } from '../stages/module-compression.js';
import { moduleIndexStage } from '../stages/module-index.js';
import { selectModulesStage } from '../stages/select-modules.js';
import { chooseCompressor, COMPRESSORS, hostCompressorTools } from '../image/compressors.js';
import { bootDirPreflight } from '../install/boot-dir-preflight.js';
import { enabledFeatures } from '../features/registry.js';
import { loadManifest } from '../gkbuild/manifest.js';
import { loadRecipe, resolveOrder } from '../gkbuild/recipe.js';
import { defaultRecipeSources, fetchScriptPath } from '../gkbuild/paths.js';
import { toolCacheDir } from '../gkbuild/index.js';
import { buildPrereqs, describePrereq, missingBuildPrereqs } from '../kernel/build-prereqs.js';
import { hostMachine } from '../kernel/kernel-version.js';
import { startingConfig } from '../kernel/starting-config.js';
import { exposedImages } from '../image/image-secrets.js';
import { modeText } from '../trust/owner-rule.js';
import { ukiCheckLines } from '../uki/check-uki.js';
import type { CheckLine, CheckStatus } from '../check-line.js';
import { tokenCheckLines } from '../features/tpm2.js';

/**
 * `tsgenkernel check`: everything an initramfs build would trip over, found without building
 * or writing anything. One line per check; the exit status is 1 when any line says FAIL.
 */
export type { CheckLine, CheckStatus };

type Check = (ctx: BuildContext) => Promise<CheckLine | CheckLine[] | undefined>;

const line = (status: CheckStatus, name: string, text: string, hint?: string): CheckLine => ({ status, name, text, ...(hint ? { hint } : {}) });

/** A check that throws a GkError fails with its message and hint; anything else is a bug. */
export async function guarded(name: string, fn: () => Promise<CheckLine | CheckLine[] | undefined>): Promise<CheckLine[]> {
  try {
    const r = await fn();
    return r === undefined ? [] : Array.isArray(r) ? r : [r];
  } catch (err) {
    if (isGkError(err)) return [line('FAIL', name, err.message.split('\n')[0]!, err.hint)];
    throw err;
  }
}

const mb = (bytes: number) => Math.floor(bytes / 1048576);

/** The boot dir: the preflight stage's own checks, every line of them. */
const bootDirCheck: Check = async (ctx) => bootDirPreflight(ctx);

/**
 * A stage's own check, run as the build runs it: its detail is the ok line, and what it reports
 * (ctx.findings) becomes warn lines. Stages that read the kernel facts wait for a resolved kernel.
 */
function stageCheck(name: string, stage: Stage, opts: { needsKernel: boolean } = { needsKernel: true }): Check {
  return async (ctx) => {
    if ((opts.needsKernel && !ctx.kernel) || !stage.enabled(ctx)) return undefined;
    ctx.findings = [];
    try {
      const detail = await stage.run(ctx);
      return [line('ok', name, String(detail ?? '')), ...ctx.findings.map((f) => line('warn', name, f.text, f.hint))];
    } finally {
      ctx.findings = undefined;
    }
  };
}

/** Images of earlier runs (or other tools) that others can read although they hold keys. */
const secretsCheck: Check = async (ctx) => {
  const exposed = await exposedImages(ctx.paths.bootdir);
  if (exposed.length === 0) return undefined;
  return exposed.map((e) =>
    line('warn', 'secrets', `${e.path} is readable by every user (mode ${modeText(e.mode)}) and holds ${e.secrets.join(', ')}`, `chmod 600 ${e.path}, and consider the keys seen (new host keys: ssh, a new LUKS key file)`),
  );
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

/**
 * When a kernel source tree is there (`all`, `kernel` would build it): what its build needs that
 * the host lacks. A warning, not a failure: an initramfs build needs none of it.
 */
const kernelBuildCheck: Check = async (ctx) => {
  if (!existsSync(join(ctx.settings.KERNEL_DIR, 'Makefile'))) return undefined;
  const start = await startingConfig(ctx.settings);
  const missing = await missingBuildPrereqs(buildPrereqs('gcc', start.config, hostMachine()), 'gcc');
  if (missing.length === 0) return line('ok', 'kernel build', `${start.tree.sourceDir}: compiler, tools and headers present`);
  return line('warn', 'kernel build', `building ${start.tree.sourceDir} needs what this host lacks: ${missing.map(describePrereq).join('; ')}`, 'install them before `tsgenkernel all` or `kernel`');
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
    ['kernel', stageCheck('kernel', resolveKernelStage, { needsKernel: false })],
    ['boot dir', bootDirCheck],
    ['secrets', secretsCheck],
    ['temp dir', tmpDirCheck],
    ['module compression', stageCheck('module compression', moduleCompressionStage)],
    ['module index', stageCheck('module index', moduleIndexStage)],
    ['modules', stageCheck('modules', selectModulesStage)],
    ['initramfs compression', compressorCheck],
    ['static tools', distfilesCheck],
    ['kernel build', kernelBuildCheck],
    ['uki', (c) => ukiCheckLines(c, guarded)],
    ['luks tokens', (c) => tokenCheckLines(c)],
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
