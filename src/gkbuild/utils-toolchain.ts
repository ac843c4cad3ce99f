import type { Settings } from '../config/option-table.js';
import { CC, CFLAGS } from './runner.js';

type UtilsSettings = Pick<
  Settings,
  | 'UTILS_CC' | 'UTILS_CXX' | 'UTILS_CFLAGS' | 'UTILS_AS' | 'UTILS_LD' | 'UTILS_AR' | 'UTILS_NM' | 'UTILS_OBJCOPY'
  | 'UTILS_OBJDUMP' | 'UTILS_RANLIB' | 'UTILS_READELF' | 'UTILS_STRIP' | 'UTILS_MAKE'
>;

/** genkernel's UTILS_<tool> keys for binutils and the make variable each one sets. */
const BINUTILS = [
  ['UTILS_AS', 'AS'],
  ['UTILS_LD', 'LD'],
  ['UTILS_AR', 'AR'],
  ['UTILS_NM', 'NM'],
  ['UTILS_OBJCOPY', 'OBJCOPY'],
  ['UTILS_OBJDUMP', 'OBJDUMP'],
  ['UTILS_RANLIB', 'RANLIB'],
  ['UTILS_READELF', 'READELF'],
  ['UTILS_STRIP', 'STRIP'],
] as const;

export interface UtilsToolchain {
  /** CC and CFLAGS every recipe passes on (recipes already say CC="$CC" CFLAGS="$CFLAGS"). */
  cc: string;
  cflags: string;
  /** The compiler program whose `--version` goes into the cache key (the last word of 'distcc gcc'). */
  compilerProgram: string;
  /** Further environment for the recipes: CXX, the binutils, and MAKEFLAGS carrying the binutils. */
  env: Record<string, string>;
  /** UTILS_MAKE: a make program put first on PATH under the name make, when set. */
  make?: string;
  /** What the cache key adds for these settings; empty when every one is the default, so default keys stay as they were. */
  identity: string;
}

/**
 * What genkernel's --utils-* settings mean for the static tools' builds (busybox, kmod and the
 * libraries kmod links). CC and CFLAGS reach every recipe through its own CC="$CC" CFLAGS="$CFLAGS".
 * The binutils are exported and also put into MAKEFLAGS as variable definitions: make treats those
 * as command-line definitions, which win over a Makefile's own `AR = $(CROSS_COMPILE)ar` (busybox)
 * as well as over make's built-in defaults (zstd, autotools), so no recipe has to name each tool.
 */
export function utilsToolchain(s: UtilsSettings): UtilsToolchain {
  const cc = s.UTILS_CC.trim() || CC;
  const cflags = s.UTILS_CFLAGS.trim() || CFLAGS;
  const env: Record<string, string> = {};
  const makeVars: string[] = [];
  for (const [key, variable] of BINUTILS) {
    const value = s[key].trim();
    if (!value) continue;
    env[variable] = value;
    makeVars.push(`${variable}=${value.replace(/([\\ ])/g, '\\$1')}`);
  }
  if (s.UTILS_CXX.trim()) env.CXX = s.UTILS_CXX.trim();
  if (makeVars.length > 0) env.MAKEFLAGS = makeVars.join(' ');
  const make = s.UTILS_MAKE.trim() || undefined;
  const overrides = { ...(cc !== CC ? { CC: cc } : {}), ...(cflags !== CFLAGS ? { CFLAGS: cflags } : {}), ...env, ...(make ? { MAKE: make } : {}) };
  return {
    cc,
    cflags,
    compilerProgram: cc.split(/\s+/).at(-1) ?? CC,
    env,
    ...(make ? { make } : {}),
    identity: Object.keys(overrides).length > 0 ? JSON.stringify(overrides) : '',
  };
}
