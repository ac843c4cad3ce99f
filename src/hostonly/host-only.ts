import { readFile, readdir, readlink, realpath } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { GkError } from '../errors.js';
import type { Logger } from '../log.js';
import { loadModuleIndex, type ModuleIndex } from '../kmod/module-index.js';
import { normaliseModuleName } from '../kmod/names.js';

/**
 * Host-only mode: the modules this machine needs, instead of genkernel's generic groups.
 * Two sources, both read from the running system (roots injectable for tests):
 *   - every device the kernel sees: each modalias under /sys/devices resolved through the
 *     target kernel's modules.alias (so a newer target kernel's new drivers are found too);
 *   - the mounted root's block stack, walked down through dm (LUKS, LVM, multipath), md and
 *     partitions to the disks, adding the stack's own modules and each disk's driver chain.
 * The result is a request list; the resolver adds dependencies and soft dependencies.
 */
export interface HostOnlyOptions {
  /** The target kernel's module dir (modules.alias, modules.dep). */
  moduleDir: string;
  /** An index already loaded for moduleDir (select-modules has one). */
  index?: ModuleIndex;
  sysRoot?: string;
  procRoot?: string;
  log?: Logger;
}

export interface HostOnlyResult {
  /** Module names to request, root stack first, each once. */
  modules: string[];
  /** Why each module is wanted ("device pci:v...", "root: dm-crypt under dm-0"). */
  reasons: Map<string, string>;
  rootDevice?: string;
  rootFsType?: string;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

async function listDir(path: string): Promise<string[]> {
  return readdir(path).catch(() => [] as string[]);
}

/** Every modalias under <sys>/devices. Symlinks are not followed (sysfs is full of cycles). */
export async function deviceModaliases(sysRoot: string): Promise<string[]> {
  const found = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (e.isDirectory()) await walk(join(dir, e.name));
      else if (e.isFile() && e.name === 'modalias') {
        const alias = await readText(join(dir, e.name));
        if (alias) found.add(alias);
      }
    }
  };
  await walk(join(sysRoot, 'devices'));
  return [...found].sort();
}

/** The root mount from <proc>/mounts (the last "/" entry: later mounts hide earlier ones). */
export async function rootMount(procRoot: string): Promise<{ device: string; fsType: string } | undefined> {
  const text = await readText(join(procRoot, 'mounts'));
  if (text === undefined) return undefined;
  let root: { device: string; fsType: string } | undefined;
  for (const line of text.split('\n')) {
    const [device, mountpoint, fsType] = line.split(/\s+/);
    if (mountpoint === '/' && device && fsType && fsType !== 'rootfs') root = { device, fsType };
  }
  return root;
}

/** /dev/vda2, /dev/mapper/NAME, /dev/dm-0, /dev/disk/by-uuid/... -> the kernel's block name. */
export async function blockNameOf(device: string, sysRoot: string, followDevLinks = false): Promise<string | undefined> {
  const classBlock = join(sysRoot, 'class', 'block');
  if (device.startsWith('/dev/mapper/')) {
    const want = device.slice('/dev/mapper/'.length);
    for (const b of await listDir(classBlock)) if ((await readText(join(classBlock, b, 'dm', 'name'))) === want) return b;
    return undefined;
  }
  let name = basename(device);
  // A /dev symlink (by-uuid, by-label, /dev/root) names its target on the running system only.
  if (followDevLinks) name = basename(await realpath(device).catch(() => device));
  return (await listDir(classBlock)).includes(name) ? name : undefined;
}

/** dm target modules from the dm uuid prefix userspace gives each kind of mapping. */
function dmModulesFor(uuid: string): string[] {
  if (uuid.startsWith('CRYPT-')) return ['dm_crypt'];
  if (uuid.startsWith('LVM-')) return ['dm_mod', 'dm_snapshot', 'dm_mirror', 'dm_raid', 'dm_thin_pool'];
  if (uuid.startsWith('mpath-')) return ['dm_multipath'];
  if (uuid.startsWith('INTEGRITY-')) return ['dm_integrity'];
  if (uuid.startsWith('VERITY-')) return ['dm_verity'];
  return ['dm_mod'];
}

/** md personality module from md/level. */
function mdModuleFor(level: string): string | undefined {
  if (/^raid[456]$/.test(level)) return 'raid456';
  if (/^(raid0|raid1|raid10|linear|multipath)$/.test(level)) return level;
  return undefined;
}

/** Modules of the drivers bound along a device's path up to the root of /sys/devices. */
async function driverChain(sysRoot: string, devicePath: string): Promise<string[]> {
  const out: string[] = [];
  const top = await realpath(join(sysRoot, 'devices')).catch(() => join(sysRoot, 'devices'));
  let dir = devicePath;
  while (dir.startsWith(top) && dir !== top) {
    const mod = await readlink(join(dir, 'driver', 'module')).catch(() => undefined);
    if (mod) out.push(normaliseModuleName(basename(mod)));
    dir = join(dir, '..');
  }
  return out;
}

/**
 * Walks a block device down its stack. `add` receives each module with its reason. Cycles
 * cannot happen in a real stack; the visited set keeps a corrupt fake tree from looping.
 */
async function walkBlockStack(sysRoot: string, name: string, add: (m: string, why: string) => void, seen = new Set<string>()): Promise<void> {
  if (seen.has(name)) return;
  seen.add(name);
  const dev = join(sysRoot, 'class', 'block', name);
  const uuid = await readText(join(dev, 'dm', 'uuid'));
  if (uuid !== undefined) for (const m of dmModulesFor(uuid)) add(m, `root stack: ${name} is a dm device (${uuid.split('-')[0]})`);
  const level = await readText(join(dev, 'md', 'level'));
  if (level !== undefined) {
    const m = mdModuleFor(level);
    if (m) add(m, `root stack: ${name} is md ${level}`);
  }
  for (const slave of await listDir(join(dev, 'slaves'))) await walkBlockStack(sysRoot, slave, add, seen);
  // Resolve the class link to the device's place in /sys/devices (a partition's parent is its disk).
  const real = await realpath(dev).catch(() => undefined);
  if (!real) return;
  const isPartition = (await readText(join(real, 'partition'))) !== undefined;
  const disk = isPartition ? join(real, '..') : real;
  // Lexical walk up from <disk>/device: the disk's own driver, then its bus's, up to the root.
  for (const m of await driverChain(sysRoot, join(disk, 'device'))) add(m, `root stack: driver of ${basename(disk)}`);
}

/** btrfs spreads one filesystem over several disks; sysfs lists them per filesystem uuid. */
async function btrfsDevices(sysRoot: string, rootBlock: string | undefined): Promise<string[]> {
  const base = join(sysRoot, 'fs', 'btrfs');
  for (const fsid of await listDir(base)) {
    const devs = await listDir(join(base, fsid, 'devices'));
    if (rootBlock === undefined || devs.includes(rootBlock)) return devs;
  }
  return [];
}

export async function hostOnlyPlan(opts: HostOnlyOptions): Promise<HostOnlyResult> {
  const sysRoot = opts.sysRoot ?? '/sys';
  const procRoot = opts.procRoot ?? '/proc';
  if ((await listDir(join(sysRoot, 'devices'))).length === 0) {
    throw new GkError(`host-only mode reads the devices from ${sysRoot}/devices, which is empty or missing`, 'mount sysfs on /sys, or build a generic image without --hostonly');
  }
  const index = opts.index ?? (await loadModuleIndex(opts.moduleDir));
  const modules: string[] = [];
  const reasons = new Map<string, string>();
  const add = (raw: string, why: string) => {
    const m = normaliseModuleName(raw);
    if (reasons.has(m)) return;
    // Built-in drivers need nothing; names the target kernel lacks are not this tree's business.
    if (!index.modules.has(m)) return;
    reasons.set(m, why);
    modules.push(m);
  };
  const root = await rootMount(procRoot);
  let rootBlock: string | undefined;
  if (root) {
    const fsMods = index.aliases.lookup(`fs-${root.fsType}`);
    for (const m of fsMods.length ? fsMods : [root.fsType]) add(m, `root filesystem ${root.fsType}`);
    rootBlock = await blockNameOf(root.device, sysRoot, opts.sysRoot === undefined);
    const blocks = root.fsType === 'btrfs' ? [...new Set([...(rootBlock ? [rootBlock] : []), ...(await btrfsDevices(sysRoot, rootBlock))])] : rootBlock ? [rootBlock] : [];
    if (blocks.length === 0) opts.log?.warnOnce('hostonly:root', `host-only: the root device ${root.device} is not in ${sysRoot}/class/block; only device aliases decide the modules`);
    for (const b of blocks) await walkBlockStack(sysRoot, b, add);
  } else {
    opts.log?.warnOnce('hostonly:mounts', `host-only: no root mount in ${procRoot}/mounts; only device aliases decide the modules`);
  }
  for (const alias of await deviceModaliases(sysRoot)) {
    for (const m of index.aliases.lookup(alias)) add(m, `device ${alias.length > 60 ? alias.slice(0, 57) + '...' : alias}`);
  }
  opts.log?.debug(`host-only: ${modules.length} modules (${relative('/', sysRoot) || '/'} sysfs): ${modules.join(' ')}`, 3);
  return { modules, reasons, rootDevice: root?.device, rootFsType: root?.fsType };
}

/** The request list select-modules uses instead of the groups when HOSTONLY=yes. */
export async function hostOnlyModules(opts: HostOnlyOptions): Promise<string[]> {
  return (await hostOnlyPlan(opts)).modules;
}
