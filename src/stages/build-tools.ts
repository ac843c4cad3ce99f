import type { Stage } from '../pipeline.js';
import { ensureTools } from '../gkbuild/index.js';
import { enabledFeatures } from '../features/registry.js';

/** Builds (or takes from the cache) the static tools the enabled features carry. */
export const buildToolsStage: Stage = {
  name: 'build-tools',
  describe: 'build or reuse the static binaries the image carries (kmod, busybox, ...)',
  enabled: (ctx) => !ctx.dryRun && enabledFeatures(ctx).some((f) => (f.tools?.(ctx) ?? []).length > 0),
  async run(ctx) {
    const names = [...new Set(enabledFeatures(ctx).flatMap((f) => f.tools?.(ctx) ?? []))];
    const tools = await ensureTools(ctx, names);
    return [...tools.values()].map((t) => `${t.name}-${t.version}${t.cached ? ' (cached)' : ' (built)'}`).join(', ');
  },
};
