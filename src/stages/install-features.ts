import type { Stage } from '../pipeline.js';
import { need } from '../context.js';
import { enabledFeatures } from '../features/registry.js';

export const installFeaturesStage: Stage = {
  name: 'install-features',
  describe: 'add the binaries and files of every enabled feature',
  enabled: (ctx) => !ctx.dryRun,
  async run(ctx) {
    const image = need(ctx, 'image');
    const features = enabledFeatures(ctx);
    for (const f of features) await f.install(ctx, image);
    return features.map((f) => f.name).join(', ');
  },
};
