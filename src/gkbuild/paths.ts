import { dirname, join } from 'node:path';
import { defaultsPath } from '../config/settings.js';
import type { RecipeSources } from './types.js';

/** The project tree holding defaults/, gkbuilds/, patches/ and scripts/ (found the way defaults/ is). */
export function projectRoot(): string {
  return dirname(dirname(defaultsPath('genkernel.conf')));
}

export function defaultRecipeSources(): RecipeSources {
  const root = projectRoot();
  return {
    gkbuildsDir: join(root, 'gkbuilds'),
    patchesDir: join(root, 'patches'),
    manifestPath: join(root, 'gkbuilds', 'distfiles.manifest'),
  };
}

export function fetchScriptPath(): string {
  return join(projectRoot(), 'scripts', 'fetch-distfiles');
}
