import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GkError } from '../errors.js';
import { KernelConfig } from '../kernel/kconfig.js';
import { disposeTestContexts, kernelTestContext } from '../../test/kernel/context.js';
import { fakeTool, withPath } from '../../test/fake-tools.js';
import { moduleRebuildStage } from './module-rebuild.js';
import { callbackStage } from './callback.js';
import { stagesFor } from '../pipelines.js';

afterAll(() => disposeTestContexts());

async function context(values: Parameters<typeof kernelTestContext>[0]) {
  const t = await kernelTestContext(values);
  t.ctx.kernel = { version: '6.1.77-cb', arch: 'x86_64', config: KernelConfig.parse(''), configPath: '', moduleDir: '', moduleCompression: 'none' };
  return t;
}

describe('after modules_install', () => {
  it('runs in all and kernel, after modules_install', () => {
    for (const cmd of ['all', 'kernel'] as const) {
      const names = stagesFor(cmd).map((s) => s.name);
      expect(names.indexOf('module-rebuild')).toBe(names.indexOf('modules-install') + 1);
      expect(names.indexOf('callback')).toBe(names.indexOf('module-rebuild') + 1);
    }
    expect(stagesFor('initramfs').map((s) => s.name)).not.toContain('callback');
  });

  it('module rebuild is a clear skip without emerge, and runs MODULEREBUILD_CMD with it', async () => {
    const t = await context({ MODULEREBUILD: true, MODULEREBUILD_CMD: 'emerge @module-rebuild' });
    const empty = join(t.dir, 'empty-bin');
    await mkdir(empty);
    expect(moduleRebuildStage.enabled(t.ctx)).toBe(true);
    expect(await withPath(`${empty}:/usr/bin:/bin`, () => moduleRebuildStage.run(t.ctx))).toMatch(/^skipped: no emerge/);
    const marker = join(t.dir, 'emerge-ran');
    const bin = await fakeTool(join(t.dir, 'portage-bin'), 'emerge', marker, '"$KV $*"');
    await withPath(`${bin}:/usr/bin:/bin`, () => moduleRebuildStage.run(t.ctx));
    expect(await readFile(marker, 'utf8')).toBe('6.1.77-cb @module-rebuild\n');
    const off = await context({ MODULEREBUILD: false });
    expect(moduleRebuildStage.enabled(off.ctx)).toBe(false);
  });

  it('--callback runs its command line with KV, and a failing one stops the build', async () => {
    const t = await context({ CMD_CALLBACK: '' });
    expect(callbackStage.enabled(t.ctx)).toBe(false);
    const out = join(t.dir, 'callback-out');
    const ok = await context({ CMD_CALLBACK: `echo "built $KV" > ${out}` });
    await callbackStage.run(ok.ctx);
    expect(await readFile(out, 'utf8')).toBe('built 6.1.77-cb\n');
    const bad = await context({ CMD_CALLBACK: 'exit 3' });
    await expect(callbackStage.run(bad.ctx)).rejects.toBeInstanceOf(GkError);
  });
});
