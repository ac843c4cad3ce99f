import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { BuildContext } from '../context.js';
import { run } from '../exec.js';
import type { Stage } from '../pipeline.js';

/**
 * --mountboot: when the boot dir has its own /etc/fstab entry but is not mounted (or is mounted
 * read-only), mount it (or remount it read-write) for the install, and put it back the way it
 * was found at the end — also when the run fails.
 */
export type MountBootAction = 'none' | 'mount' | 'remount-rw';

export interface MountBootDecision {
  action: MountBootAction;
  reason: string;
}

/** fstab and mountinfo escape blanks in paths as octal (\040). */
function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

function normalise(path: string): string {
  return resolve(path);
}

/** Mount points named in an fstab (comments and swap skipped). */
export function fstabMountPoints(fstab: string): Set<string> {
  const points = new Set<string>();
  for (const raw of fstab.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    const mp = fields[1];
    if (!mp || mp === 'none' || fields[2] === 'swap') continue;
    points.add(normalise(unescapeOctal(mp)));
  }
  return points;
}

/** Mounted paths from /proc/self/mountinfo, with whether each is read-only (the last mount on a path wins). */
export function mountedPoints(mountinfo: string): Map<string, { readOnly: boolean }> {
  const mounted = new Map<string, { readOnly: boolean }>();
  for (const line of mountinfo.split('\n')) {
    // id parent major:minor root mount-point mount-options ...
    const fields = line.split(' ');
    const mp = fields[4];
    const options = fields[5];
    if (!mp || !options) continue;
    mounted.set(normalise(unescapeOctal(mp)), { readOnly: options.split(',').includes('ro') });
  }
  return mounted;
}

export function decideMountBoot(bootdir: string, fstab: string, mountinfo: string): MountBootDecision {
  const dir = normalise(bootdir);
  if (!fstabMountPoints(fstab).has(dir)) return { action: 'none', reason: `${dir} has no /etc/fstab entry of its own` };
  const state = mountedPoints(mountinfo).get(dir);
  if (!state) return { action: 'mount', reason: `${dir} is in /etc/fstab but not mounted` };
  if (state.readOnly) return { action: 'remount-rw', reason: `${dir} is mounted read-only` };
  return { action: 'none', reason: `${dir} is already mounted read-write` };
}

export interface MountBootDeps {
  fstabPath: string;
  mountinfoPath: string;
  /** Runs mount/umount; tests record the calls instead. */
  exec: (cmd: 'mount' | 'umount', args: string[], ctx: BuildContext) => Promise<void>;
}

const SYSTEM_DEPS: MountBootDeps = {
  fstabPath: '/etc/fstab',
  mountinfoPath: '/proc/self/mountinfo',
  exec: async (cmd, args, ctx) => {
    await run(cmd, args, { log: ctx.log, hint: cmd === 'mount' ? 'mount the boot dir yourself, or pass --no-mountboot' : undefined });
  },
};

/** The undo for the mount this run made, per context; absent when nothing was changed. */
const restorers = new WeakMap<BuildContext, () => Promise<void>>();

/** Puts the boot dir back the way mount-boot found it (for the unmount-boot stage); false when mount-boot changed nothing. */
export async function restoreBootMount(ctx: BuildContext): Promise<boolean> {
  const restore = restorers.get(ctx);
  if (!restore) return false;
  restorers.delete(ctx);
  await restore();
  return true;
}

export function hasBootMountToRestore(ctx: BuildContext): boolean {
  return restorers.has(ctx);
}

export function createMountBootStage(deps: MountBootDeps = SYSTEM_DEPS): Stage {
  return {
    name: 'mount-boot',
    describe: 'mount the boot dir from /etc/fstab when it is not mounted',
    enabled: (ctx) => ctx.settings.MOUNTBOOT && ctx.settings.INSTALL && !ctx.dryRun,
    async run(ctx) {
      const dir = ctx.paths.bootdir;
      const fstab = await readFile(deps.fstabPath, 'utf8').catch(() => '');
      const mountinfo = await readFile(deps.mountinfoPath, 'utf8').catch(() => '');
      const decision = decideMountBoot(dir, fstab, mountinfo);
      ctx.log.debug(`mountboot: ${decision.reason}`, 3);
      if (decision.action === 'none') return;
      if (decision.action === 'mount') await deps.exec('mount', [dir], ctx);
      else await deps.exec('mount', ['-o', 'remount,rw', dir], ctx);
      let done = false;
      const restore = async () => {
        if (done) return;
        done = true;
        if (decision.action === 'mount') await deps.exec('umount', [dir], ctx);
        else await deps.exec('mount', ['-o', 'remount,ro', dir], ctx);
      };
      restorers.set(ctx, restore);
      ctx.cleanups.push(restore);
      ctx.log.info(`${decision.action === 'mount' ? 'mounted' : 'remounted read-write'} ${dir}; it is put back at the end`);
      return decision.action === 'mount' ? `mounted ${dir}` : `remounted ${dir} rw`;
    },
  };
}

export const mountBootStage = createMountBootStage();
