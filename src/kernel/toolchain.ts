import type { Settings } from '../config/option-table.js';
import { GkError } from '../errors.js';

type ToolchainSettings = Pick<
  Settings,
  | 'KERNEL_CC' | 'KERNEL_AS' | 'KERNEL_LD' | 'KERNEL_AR' | 'KERNEL_NM' | 'KERNEL_OBJCOPY' | 'KERNEL_OBJDUMP'
  | 'KERNEL_RANLIB' | 'KERNEL_READELF' | 'KERNEL_STRIP' | 'KERNEL_MAKE' | 'CROSS_COMPILE' | 'KERNEL_CROSS_COMPILE'
>;

/** genkernel's KERNEL_<tool> keys and the kernel make variable each one sets. */
const TOOL_VARS = [
  ['KERNEL_CC', 'CC'],
  ['KERNEL_AS', 'AS'],
  ['KERNEL_LD', 'LD'],
  ['KERNEL_AR', 'AR'],
  ['KERNEL_NM', 'NM'],
  ['KERNEL_OBJCOPY', 'OBJCOPY'],
  ['KERNEL_OBJDUMP', 'OBJDUMP'],
  ['KERNEL_RANLIB', 'RANLIB'],
  ['KERNEL_READELF', 'READELF'],
  ['KERNEL_STRIP', 'STRIP'],
] as const;

/** The kernel's ARCH= for the first word of a target triplet (what the kernel's own Makefile calls SUBARCH). */
const ARCH_OF_CPU: ReadonlyArray<[RegExp, string]> = [
  [/^(x86_64|i[3-6]86)$/, 'x86'],
  [/^aarch64(_be)?$/, 'arm64'],
  [/^arm/, 'arm'],
  [/^riscv(32|64)$/, 'riscv'],
  [/^(powerpc|ppc)(64)?(le)?$/, 'powerpc'],
  [/^s390x?$/, 's390'],
  [/^mips/, 'mips'],
  [/^loongarch64$/, 'loongarch'],
  [/^sparc(64)?$/, 'sparc'],
  [/^m68k$/, 'm68k'],
];

export interface KernelToolchain {
  /** The make program (KERNEL_MAKE, else make). */
  make: string;
  /** VAR=value arguments every kernel make gets: ARCH and CROSS_COMPILE for a cross build, then each tool set. */
  vars: string[];
  /** The C compiler program itself (the last word of 'distcc gcc'), for the prerequisite checks. */
  compiler: string;
  /** Programs named by the settings that must exist (distcc of 'distcc gcc', a cross gcc). */
  programs: string[];
  /** strip for --strip=kernel: KERNEL_STRIP, else the cross prefix's strip, else strip. */
  strip: string[];
  /** Set for a cross build. */
  cross?: { prefix: string; arch: string };
}

/** The kernel ARCH= of this machine (x86_64 → x86). */
export function kernelArchOf(cpu: string): string | undefined {
  return ARCH_OF_CPU.find(([re]) => re.test(cpu))?.[1];
}

/**
 * What genkernel's toolchain settings mean for the kernel's make, as arguments (no shell: a value
 * with spaces such as CC="distcc gcc" stays one argument). Tools left empty are not passed, so
 * make's defaults — $(CROSS_COMPILE)gcc and so on — apply.
 */
export function kernelToolchain(s: ToolchainSettings): KernelToolchain {
  const vars: string[] = [];
  const triplet = (s.KERNEL_CROSS_COMPILE || s.CROSS_COMPILE).trim();
  let cross: KernelToolchain['cross'];
  if (triplet) {
    const prefix = triplet.endsWith('-') ? triplet : `${triplet}-`;
    const cpu = prefix.split('-')[0] ?? '';
    const arch = kernelArchOf(cpu);
    if (!arch) {
      throw new GkError(
        `cannot tell the kernel architecture of the cross-compile triplet '${triplet}'`,
        'use a triplet that starts with the CPU, e.g. --cross-compile=aarch64-linux-gnu',
      );
    }
    cross = { prefix, arch };
    vars.push(`ARCH=${arch}`, `CROSS_COMPILE=${prefix}`);
  }
  for (const [key, variable] of TOOL_VARS) {
    const value = s[key].trim();
    if (value) vars.push(`${variable}=${value}`);
  }
  const ccWords = s.KERNEL_CC.trim().split(/\s+/).filter(Boolean);
  const compiler = ccWords.at(-1) ?? `${cross?.prefix ?? ''}gcc`;
  const named = TOOL_VARS.map(([key]) => s[key].trim().split(/\s+/)[0] ?? '').filter(Boolean);
  const make = s.KERNEL_MAKE.trim() || 'make';
  // The host's own gcc and make are left to the build prerequisites check, which names their packages.
  const programs = [...new Set([...named, ...(ccWords.length || !cross ? [] : [compiler]), make])].filter((p) => p !== 'make');
  const strip = s.KERNEL_STRIP.trim() ? s.KERNEL_STRIP.trim().split(/\s+/) : [`${cross?.prefix ?? ''}strip`];
  return { make, vars, compiler, programs, strip, ...(cross ? { cross } : {}) };
}
