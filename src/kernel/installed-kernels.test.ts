import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareReleases, installedKernels } from './installed-kernels.js';

describe('installed kernels', () => {
  const root = mkdtempSync(join(tmpdir(), 'tsgk-kernels-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('orders releases as sort -V does', () => {
    const kvs = ['6.1.0-9-test', '6.1.0-57-test', '6.1.0-56-test', '5.10.0-30-test', '6.10.0-1-test'];
    expect([...kvs].sort(compareReleases)).toEqual(['5.10.0-30-test', '6.1.0-9-test', '6.1.0-56-test', '6.1.0-57-test', '6.10.0-1-test']);
  });

  it('lists only releases with both an image and a module tree, newest first', () => {
    const add = (kv: string, image: boolean, modules: boolean) => {
      mkdirSync(join(root, 'boot'), { recursive: true });
      if (image) writeFileSync(join(root, 'boot', `vmlinuz-${kv}`), '');
      if (modules) {
        mkdirSync(join(root, 'lib/modules', kv), { recursive: true });
        writeFileSync(join(root, 'lib/modules', kv, 'modules.order'), '');
      }
    };
    add('6.1.0-56-test', true, true);
    add('6.1.0-57-test', true, true);
    add('6.1.0-58-test', true, false); // image only: a half-installed or removed kernel
    add('6.1.0-59-test', false, true); // module tree only
    expect(installedKernels(root)).toEqual(['6.1.0-57-test', '6.1.0-56-test']);
  });

  it('finds nothing on a root with no boot dir', () => {
    expect(installedKernels(join(root, 'nowhere'))).toEqual([]);
  });
});
