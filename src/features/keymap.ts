import { mkdir, readFile, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { BuildContext } from '../context.js';
import type { ImageTree } from '../image/image-tree.js';
import type { Feature } from './feature.js';
import { addBootFragment, bootPath, type BootFragment } from './boot-fragment.js';
import { GkError } from '../errors.js';
import { haveCommand, run } from '../exec.js';
import { mapLimit } from '../map-limit.js';
import { keymapCacheKey, readKeymapCache, writeKeymapCache } from './keymap-cache.js';

/**
 * Console keymaps for the passphrase prompt (keymap=NAME, dokeymap). Decision: the binary maps
 * busybox's loadkmap reads are generated at build time with kbd's `loadkeys -b` from the host's
 * keymap sources (console-data's /usr/share/keymaps, or kbd's /usr/share/kbd/keymaps); nothing
 * binary is shipped in this repository, so the maps always match what the host's kbd knows.
 * Without loadkeys or the sources, --keymap stops with a GkError naming the packages (a default
 * build leaves the maps out instead, see keymapFeature). The converted set is cached (keymap-cache.ts).
 *
 * The names users type are genkernel's (keymap=de, keymap=br-a, ...); each maps to the kbd
 * keymap files tried in order. Names whose source the host lacks are left out (debug line).
 */
export const KEYMAPS: Readonly<Record<string, readonly string[]>> = {
  azerty: ['azerty'],
  be: ['be-latin1'],
  bg: ['bg', 'bg_bds-utf8'],
  'br-a': ['br-abnt2'],
  'br-l': ['br-latin1'],
  by: ['by'],
  cf: ['cf'],
  croat: ['croat'],
  cz: ['cz-lat2', 'cz'],
  de: ['de-latin1', 'de'],
  dk: ['dk-latin1', 'dk'],
  dvorak: ['dvorak'],
  es: ['es'],
  et: ['et'],
  fi: ['fi-latin1', 'fi'],
  fr: ['fr-latin9', 'fr'],
  gr: ['gr-pc', 'gr'],
  hu: ['hu'],
  il: ['il'],
  is: ['is-latin1'],
  it: ['it'],
  jp: ['jp106'],
  la: ['la-latin1'],
  lt: ['lt'],
  mk: ['mk'],
  nl: ['nl'],
  no: ['no-latin1', 'no'],
  pl: ['pl'],
  pt: ['pt-latin1'],
  ro: ['ro'],
  ru: ['ru'],
  se: ['se-latin1', 'sv-latin1'],
  sg: ['sg-latin1'],
  'sk-y': ['sk-qwerty'],
  'sk-z': ['sk-qwertz'],
  slovene: ['slovene'],
  trf: ['trf'],
  trq: ['trq'],
  ua: ['ua'],
  uk: ['uk'],
  us: ['us'],
  wangbe: ['wangbe'],
};

export const KEYMAP_SOURCE_DIRS = ['/usr/share/keymaps', '/usr/share/kbd/keymaps'];
/** Where /etc/initrd.d/10-keymap.sh looks for NAME.map. */
export const IMAGE_KEYMAP_DIR = 'lib/keymaps';
/** The names of the maps in the image, one a line (the list dokeymap shows). */
export const IMAGE_KEYMAP_LIST = `${IMAGE_KEYMAP_DIR}/keymapList`;

export const keymapBoot: BootFragment = {
  file: '10-keymap.sh',
  conf: () => ({ KEYMAP_DIR: bootPath(IMAGE_KEYMAP_DIR), KEYMAP_LIST: bootPath(IMAGE_KEYMAP_LIST) }),
};

/** kbd source file by base name ("de-latin1" -> ".../qwertz/de-latin1.kmap.gz"), first root wins. */
export async function keymapSources(roots: readonly string[] = KEYMAP_SOURCE_DIRS): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.isDirectory() && e.name !== 'include') await walk(join(dir, e.name));
      const m = /^(.+?)\.(k?map)(\.gz|\.bz2|\.xz|\.zst)?$/.exec(e.name);
      if (e.isFile() && m && !found.has(m[1]!)) found.set(m[1]!, join(dir, e.name));
    }
  };
  for (const root of roots) await walk(root);
  return found;
}

/**
 * Binary keymap (busybox loadkmap format, "bkeymap" magic) of one kbd source file, written to
 * `dest`. loadkeys -b only writes to stdout, which run() returns as text: a tiny sh redirects
 * it, with the paths as positional arguments (never spliced into the script).
 */
export async function binaryKeymap(source: string, dest: string, ctx?: BuildContext): Promise<Buffer> {
  await run('sh', ['-c', 'exec loadkeys -b "$1" >"$2"', 'sh', source, dest], {
    log: ctx?.log,
    what: `loadkeys -b ${source}`,
    hint: 'check the keymap file, or pick another keymap',
  });
  const data = await readFile(dest);
  if (data.subarray(0, 7).toString('latin1') !== 'bkeymap') {
    throw new GkError(`loadkeys -b ${source} did not write a binary keymap`, 'install kbd (loadkeys) and console-data, or build without --keymap');
  }
  return data;
}

/** Why keymaps cannot be built on this host (a GkError to throw or to report), or undefined. */
async function keymapToolsProblem(roots: readonly string[]): Promise<{ error: GkError; sources?: undefined } | { error?: undefined; sources: Map<string, string> }> {
  if (!(await haveCommand('loadkeys'))) {
    return { error: new GkError('--keymap needs loadkeys to build the binary keymaps', 'install kbd (and console-data for the keymap sources), or build with --no-keymap') };
  }
  const sources = await keymapSources(roots);
  if (sources.size === 0) {
    return { error: new GkError(`--keymap found no keymap sources in ${roots.join(' or ')}`, 'install console-data (or a kbd that ships its keymaps), or build with --no-keymap') };
  }
  return { sources };
}

/** Converts every name the host has a source for into tmp/keymaps, two loadkeys at a time. */
async function convertKeymaps(ctx: BuildContext, sources: ReadonlyMap<string, string>, out: string): Promise<string[]> {
  await mkdir(out, { recursive: true });
  const done = await mapLimit(Object.entries(KEYMAPS), 2, async ([name, candidates]) => {
    const src = candidates.map((c) => sources.get(c)).find(Boolean);
    if (!src) {
      ctx.log.debug(`keymap ${name}: none of ${candidates.join(', ')} on this host, left out`, 3);
      return undefined;
    }
    try {
      await binaryKeymap(src, join(out, `${name}.map`), ctx);
      return { name, ok: true };
    } catch (err) {
      // Some shipped sources use keysyms this kbd does not know (console-data's lt): leave that
      // one out; keymap=NAME at boot then says it is not in the image and keeps the default.
      ctx.log.debug(`keymap ${name}: ${err instanceof GkError ? err.message : String(err)}`, 3);
      return { name, ok: false };
    }
  });
  const failed = done.filter((d) => d && !d.ok).map((d) => d!.name);
  if (failed.length > 0) ctx.log.info(`keymaps left out (loadkeys could not convert them): ${failed.join(' ')}`, 2);
  return done.filter((d) => d?.ok).map((d) => d!.name);
}

export async function installKeymaps(ctx: BuildContext, image: ImageTree, roots: readonly string[] = KEYMAP_SOURCE_DIRS): Promise<string[]> {
  const tools = await keymapToolsProblem(roots);
  if (tools.error) throw tools.error;
  const version = (await run('loadkeys', ['--version'], { log: ctx.log, allowFailure: true })).all.trim();
  const key = await keymapCacheKey(roots, version, KEYMAPS);
  const listName = basename(IMAGE_KEYMAP_LIST);
  let set = await readKeymapCache(ctx.paths.cache, key, listName);
  if (set) ctx.log.debug(`keymaps from the cache (${set.dir})`, 3);
  else {
    const out = join(ctx.paths.tmp, 'keymaps');
    const names = await convertKeymaps(ctx, tools.sources, out);
    if (names.length === 0) throw new GkError('--keymap: loadkeys converted none of the keymaps', 'check the kbd and console-data installation, or build with --no-keymap');
    set = (await writeKeymapCache(ctx.paths.cache, key, listName, out, names)) ?? { dir: out, names };
  }
  for (const n of set.names) image.addFile(`${IMAGE_KEYMAP_DIR}/${n}.map`, join(set.dir, `${n}.map`), 0o644);
  image.addFile(IMAGE_KEYMAP_LIST, Buffer.from(set.names.join('\n') + '\n'), 0o644);
  return set.names;
}

/**
 * On by default, as in genkernel (KEYMAP="yes"). genkernel ships its binary maps; tsgenkernel makes
 * them from the host's kbd sources, which many hosts lack (Debian installs console-data only on
 * request). So a default build on such a host leaves the keymaps out with one info line, while
 * --keymap or KEYMAP="yes" written by the user stops with the error naming the packages.
 */
const keymapByDefault = (ctx: BuildContext) => ctx.settingSources?.get('KEYMAP') === 'default';

export function createKeymapFeature(opts: { roots?: readonly string[] } = {}): Feature {
  const roots = opts.roots ?? KEYMAP_SOURCE_DIRS;
  return {
    name: 'keymap',
    // By default only with busybox in the image: its loadkmap is what reads the maps.
    enabled: (ctx) => ctx.settings.KEYMAP && (ctx.settings.BUSYBOX || !keymapByDefault(ctx)),
    async install(ctx, image) {
      if (keymapByDefault(ctx)) {
        const tools = await keymapToolsProblem(roots);
        if (tools.error) {
          ctx.log.info(`keymaps left out of the image: ${tools.error.oneLine()}`);
          return;
        }
      }
      const names = await installKeymaps(ctx, image, roots);
      ctx.log.debug(`keymaps: ${names.length} (${names.join(' ')})`, 2);
      addBootFragment(image, keymapBoot);
    },
    boot: keymapBoot,
  };
}

export const keymapFeature = createKeymapFeature();
