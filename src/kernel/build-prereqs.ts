import { run, haveCommand } from '../exec.js';
import type { KernelConfig } from './kconfig.js';

/**
 * What a kernel build needs on the host before `make` starts: the programs of the kernel's own
 * minimal-requirements list (Documentation/process/changes.rst) that every x86 build runs, and the
 * headers and tools that some configs add. Checked up front so that a five-minute compile does
 * not fail on a missing libelf.h at objtool.
 */
export interface BuildPrereq {
  /** A program on PATH, or a header the compiler must find. */
  kind: 'program' | 'header';
  name: string;
  why: string;
  debian: string;
  gentoo: string;
}

const ALWAYS: readonly BuildPrereq[] = [
  { kind: 'program', name: 'make', why: 'runs the kernel build', debian: 'make', gentoo: 'dev-build/make' },
  { kind: 'program', name: 'bc', why: 'computes timer constants at build time', debian: 'bc', gentoo: 'sys-devel/bc' },
  { kind: 'program', name: 'flex', why: 'builds the config tools (kconfig)', debian: 'flex', gentoo: 'sys-devel/flex' },
  { kind: 'program', name: 'bison', why: 'builds the config tools (kconfig)', debian: 'bison', gentoo: 'sys-devel/bison' },
  { kind: 'program', name: 'perl', why: 'runs the build scripts', debian: 'perl', gentoo: 'dev-lang/perl' },
];

const LIBELF: BuildPrereq = { kind: 'header', name: 'libelf.h', why: 'objtool', debian: 'libelf-dev', gentoo: 'virtual/libelf' };
const OPENSSL: BuildPrereq = { kind: 'header', name: 'openssl/opensslv.h', why: 'module signing (sign-file)', debian: 'libssl-dev', gentoo: 'dev-libs/openssl' };
const PAHOLE: BuildPrereq = { kind: 'program', name: 'pahole', why: 'BTF type information (CONFIG_DEBUG_INFO_BTF)', debian: 'dwarves', gentoo: 'dev-util/pahole' };

/** Options that make the build run objtool, which links against libelf. */
const OBJTOOL_OPTIONS = ['OBJTOOL', 'UNWINDER_ORC', 'STACK_VALIDATION'];

/**
 * The prerequisites of a build with `config` (undefined when the starting config is not known
 * yet: defconfig, whose x86_64 default unwinder is ORC, so objtool counts as needed there).
 */
export function buildPrereqs(compiler: string, config: KernelConfig | undefined, arch: string): BuildPrereq[] {
  const cc: BuildPrereq = { kind: 'program', name: compiler, why: 'compiles the kernel', debian: 'gcc (build-essential)', gentoo: 'sys-devel/gcc' };
  const wants = (names: string[]) => names.some((n) => config?.builtin(n) ?? false);
  const needsObjtool = config ? wants(OBJTOOL_OPTIONS) : arch === 'x86_64';
  return [
    cc,
    ...ALWAYS,
    ...(needsObjtool ? [{ ...LIBELF, why: `objtool (${config ? OBJTOOL_OPTIONS.filter((o) => config.builtin(o)).map((o) => `CONFIG_${o}`).join(', ') : `${arch} defconfig`})` }] : []),
    ...(config?.builtin('MODULE_SIG') ? [{ ...OPENSSL, why: 'module signing (CONFIG_MODULE_SIG)' }] : []),
    ...(config?.builtin('DEBUG_INFO_BTF') ? [PAHOLE] : []),
  ];
}

/** Whether the compiler's preprocessor finds `header` in its own search path. */
async function compilerFinds(compiler: string, header: string): Promise<boolean> {
  const res = await run(compiler, ['-E', '-x', 'c', '-o', '/dev/null', '-'], { input: `#include <${header}>\n`, allowFailure: true }).catch(() => undefined);
  return res?.exitCode === 0;
}

/** The prerequisites the host lacks; a header is only looked for when the compiler exists. */
export async function missingBuildPrereqs(prereqs: readonly BuildPrereq[], compiler: string): Promise<BuildPrereq[]> {
  const haveCompiler = await haveCommand(compiler);
  const missing: BuildPrereq[] = [];
  for (const p of prereqs) {
    const present = p.kind === 'program' ? (p.name === compiler ? haveCompiler : await haveCommand(p.name)) : haveCompiler && (await compilerFinds(compiler, p.name));
    if (!present) missing.push(p);
  }
  return missing;
}

/** "libelf.h (objtool): Debian libelf-dev, Gentoo virtual/libelf" */
export function describePrereq(p: BuildPrereq): string {
  return `${p.kind === 'header' ? `<${p.name}>` : p.name} (${p.why}): Debian ${p.debian}, Gentoo ${p.gentoo}`;
}
