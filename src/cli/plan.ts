import type { BuildContext } from '../context.js';
import { enabledFeatures } from '../features/registry.js';

/** --dry-run: what would be built, on stdout, so it can be piped. */
export function printPlan(ctx: BuildContext): void {
  const out: string[] = [];
  const k = ctx.kernel;
  if (k) out.push(`kernel ${k.version} (${k.arch}), config ${k.configPath}, modules ${k.moduleDir} (${k.moduleCompression})`);
  if (ctx.command === 'all') out.push('initramfs: planned after the compile (its modules do not exist yet)');
  if (ctx.command === 'all' || ctx.command === 'initramfs') out.push(`features: ${enabledFeatures(ctx).map((f) => f.name).join(', ') || 'none'}`);
  const plan = ctx.modules;
  if (plan) {
    out.push(`modules (${plan.modules.length}):`);
    for (const m of plan.modules) out.push(`  ${m.relPath}`);
    if (plan.builtin.length) out.push(`built in: ${plan.builtin.join(' ')}`);
    if (plan.missing.length) out.push(`not found: ${plan.missing.join(' ')}`);
  }
  if (ctx.image) {
    out.push(`files:`);
    for (const e of ctx.image.sorted()) if (e.kind !== 'dir') out.push(`  /${e.path}`);
  }
  process.stdout.write(out.join('\n') + '\n');
}
