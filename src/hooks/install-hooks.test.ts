import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GkError } from '../errors.js';
import { HOOK_FILES, HOOK_MARKER, installHooks, launcherPath, renderHook } from './install-hooks.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'tsgk-hooks-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('install-hooks', () => {
  it('installs the three hooks executable, with the launcher filled in, and is idempotent', () => {
    const first = installHooks({ root });
    expect(first.map((r) => r.action)).toEqual(['installed', 'installed', 'installed']);
    for (const f of HOOK_FILES) {
      const path = join(root, f.path);
      expect(statSync(path).mode & 0o777).toBe(0o755);
      const text = readFileSync(path, 'utf8');
      expect(text).toContain(HOOK_MARKER);
      expect(text).toContain(`'${launcherPath()}' hook `);
      expect(text).not.toContain('@TSGENKERNEL@');
    }
    expect(installHooks({ root }).map((r) => r.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(installHooks({ root, launcher: '/opt/tsgk/bin/tsgenkernel' }).map((r) => r.action)).toEqual(['updated', 'updated', 'updated']);
  });

  it('removes them with --uninstall, twice without complaint', () => {
    installHooks({ root });
    expect(installHooks({ root, uninstall: true }).map((r) => r.action)).toEqual(['removed', 'removed', 'removed']);
    expect(installHooks({ root, uninstall: true }).map((r) => r.action)).toEqual(['absent', 'absent', 'absent']);
  });

  it("never overwrites or removes a file that is not its own, and then changes nothing", () => {
    const other = mkdtempSync(join(tmpdir(), 'tsgk-hooks-foreign-'));
    const foreign = join(other, HOOK_FILES[1]!.path);
    mkdirSync(join(foreign, '..'), { recursive: true });
    writeFileSync(foreign, '#!/bin/sh\necho someone else\n');
    expect(() => installHooks({ root: other })).toThrow(GkError);
    expect(() => installHooks({ root: other, uninstall: true })).toThrow(/not a tsgenkernel hook/);
    expect(readFileSync(foreign, 'utf8')).toContain('someone else');
    expect(() => statSync(join(other, HOOK_FILES[0]!.path))).toThrow();
    rmSync(other, { recursive: true, force: true });
  });

  it('ships POSIX sh that shellcheck accepts', () => {
    for (const f of HOOK_FILES) {
      const r = spawnSync('shellcheck', ['-s', 'sh', '-'], { input: renderHook(f), encoding: 'utf8' });
      expect(r.stdout + r.stderr, f.path).toBe('');
      expect(r.status).toBe(0);
    }
  });
});
