import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GkError } from '../errors.js';
import { defaultsPath } from '../config/settings.js';

/**
 * `tsgenkernel install-hooks [--uninstall] [--root DIR]`: the distribution's kernel hooks, so a
 * kernel installed by the package manager gets its initramfs without anyone typing anything.
 * A kernel-install(8) plugin and the /etc/kernel/postinst.d + postrm.d pair (Debian's and Gentoo
 * installkernel's convention). Each calls `tsgenkernel hook add|remove KV [IMAGE]`.
 * Idempotent both ways; a file at one of these paths that is not ours is never overwritten or removed.
 */
export const HOOK_MARKER = 'tsgenkernel-hook';

export interface HookFile {
  /** Path below the root. */
  path: string;
  /** The shipped template in defaults/hooks/. */
  template: string;
}

export const HOOK_FILES: readonly HookFile[] = [
  { path: 'etc/kernel/install.d/50-tsgenkernel.install', template: 'kernel-install.install' },
  { path: 'etc/kernel/postinst.d/zz-tsgenkernel', template: 'postinst.d' },
  { path: 'etc/kernel/postrm.d/zz-tsgenkernel', template: 'postrm.d' },
];

/** The launcher the hooks run: this installation's bin/tsgenkernel. */
export function launcherPath(): string {
  // src/hooks (tests) or dist/src/hooks (installed): the launcher is in the package root's bin/.
  const here = dirname(fileURLToPath(import.meta.url));
  const root = here.includes(`${'/dist/'}`) ? join(here, '..', '..', '..') : join(here, '..', '..');
  return join(root, 'bin', 'tsgenkernel');
}

/** A hook's text with the launcher path filled in (single-quoted for the shell). */
export function renderHook(file: HookFile, launcher = launcherPath()): string {
  const template = readFileSync(defaultsPath(join('hooks', file.template)), 'utf8');
  return template.replaceAll('@TSGENKERNEL@', `'${launcher.replace(/'/g, `'\\''`)}'`);
}

export type HookAction = 'installed' | 'updated' | 'unchanged' | 'removed' | 'absent';

export function installHooks(opts: { root?: string; uninstall?: boolean; launcher?: string } = {}): Array<{ path: string; action: HookAction }> {
  const root = resolve(opts.root ?? '/');
  const plan = HOOK_FILES.map((f) => {
    const path = join(root, f.path);
    const current = (() => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return undefined;
      }
    })();
    if (current !== undefined && !current.includes(HOOK_MARKER)) {
      throw new GkError(`${path} exists and is not a tsgenkernel hook`, `move it away first; tsgenkernel ${opts.uninstall ? 'removes' : 'replaces'} only its own hooks`);
    }
    return { file: f, path, current };
  });
  // Checked all before changing any: a refusal leaves every hook as it was.
  return plan.map(({ file, path, current }) => {
    if (opts.uninstall) {
      if (current === undefined) return { path, action: 'absent' as const };
      rmSync(path);
      return { path, action: 'removed' as const };
    }
    const text = renderHook(file, opts.launcher);
    if (current === text) return { path, action: 'unchanged' as const };
    mkdirSync(dirname(path), { recursive: true });
    const temp = `${path}.tsgk-new`;
    writeFileSync(temp, text, { mode: 0o755 });
    chmodSync(temp, 0o755);
    renameSync(temp, path);
    return { path, action: current === undefined ? ('installed' as const) : ('updated' as const) };
  });
}

/** The CLI command: one line per hook file. */
export function installHooksCommand(opts: { uninstall?: boolean; root?: string }): void {
  for (const r of installHooks(opts)) process.stdout.write(`${r.action.padEnd(9)} ${r.path}\n`);
}
