import type { Stage } from '../pipeline.js';
import { hasBootMountToRestore, restoreBootMount } from './mount-boot.js';

/** The last stage of every command: the boot dir goes back the way mount-boot found it. */
export const unmountBootStage: Stage = {
  name: 'unmount-boot',
  describe: 'put the boot dir back the way mount-boot found it',
  enabled: (ctx) => hasBootMountToRestore(ctx),
  async run(ctx) {
    await restoreBootMount(ctx);
    return `${ctx.paths.bootdir} restored`;
  },
};
