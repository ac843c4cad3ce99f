import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBuildContext } from '../../src/cli/build-context.js';
import type { CliValues } from '../../src/config/settings.js';
import type { BuildContext, CommandName } from '../../src/context.js';

export interface TestContext {
  ctx: BuildContext;
  /** Terminal lines the logger wrote (uncoloured). */
  lines: string[];
  dir: string;
}

/**
 * A real BuildContext built the way the CLI builds one, from the shipped defaults plus `values`
 * (an empty conf file stands in for /etc/genkernel.conf so the host's cannot leak in), with its
 * temp dir, log file and boot dir inside one fresh directory.
 */
const made: string[] = [];

/** Removes every directory kernelTestContext made in this worker (call from afterAll). */
export async function disposeTestContexts(): Promise<void> {
  for (const d of made.splice(0)) await rm(d, { recursive: true, force: true });
}

export async function kernelTestContext(values: CliValues, command: CommandName = 'kernel'): Promise<TestContext> {
  const dir = await mkdtemp(join(tmpdir(), 'tsgk-kernel-ctx-'));
  made.push(dir);
  const conf = join(dir, 'genkernel.conf');
  await writeFile(conf, '');
  const lines: string[] = [];
  const ctx = await createBuildContext(
    command,
    {
      TMPDIR: join(dir, 'tmp'),
      LOGFILE: join(dir, 'build.log'),
      BOOTDIR: join(dir, 'boot'),
      USECOLOR: false,
      ...values,
      configFile: conf,
    },
    (line) => lines.push(line),
  );
  return { ctx, lines, dir };
}
