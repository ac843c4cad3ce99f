import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Stage } from '../../src/pipeline.js';
import { stagesFor } from '../../src/pipelines.js';

/**
 * The tree reads as the pipeline: every stage lives in src/stages/<id>.ts, its id is the name it
 * logs, and README's Architecture section lists it by that name.
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const STAGES = join(ROOT, 'src/stages');

const isStage = (v: unknown): v is Stage =>
  typeof v === 'object' && v !== null && typeof (v as Stage).name === 'string' && typeof (v as Stage).run === 'function' && typeof (v as Stage).enabled === 'function';

const stageFiles = readdirSync(STAGES).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));

describe('stage names', () => {
  it.each(stageFiles)('%s exports exactly the stage named after the file', async (file) => {
    const mod = (await import(pathToFileURL(join(STAGES, file)).href)) as Record<string, unknown>;
    const names = [...new Set(Object.values(mod).filter(isStage).map((s) => s.name))];
    expect(names).toEqual([basename(file, '.ts')]);
  });

  it('every stage a command runs comes from src/stages, and README names each', () => {
    const files = new Set(stageFiles.map((f) => basename(f, '.ts')));
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const architecture = readme.slice(readme.indexOf('## Architecture'), readme.indexOf('\n## ', readme.indexOf('## Architecture') + 1));
    for (const command of ['all', 'kernel', 'bzImage', 'initramfs'] as const) {
      for (const stage of stagesFor(command)) {
        expect(files.has(stage.name), `${command}: stage ${stage.name} has no src/stages/${stage.name}.ts`).toBe(true);
        expect(architecture, `README Architecture lacks ${stage.name}`).toMatch(new RegExp(`\\b${stage.name}\\b`));
      }
    }
  });
});
