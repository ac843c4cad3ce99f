import { readFile, readdir } from 'node:fs/promises';
import { machine } from 'node:os';
import { join, resolve } from 'node:path';
import { GkError } from '../errors.js';
import { KernelConfig } from './kconfig.js';

/**
 * The kernel release string (KV, what `make kernelrelease` prints and what names
 * /lib/modules/KV) of a source tree.
 *
 * A built tree records it in include/config/kernel.release, which is the truth once `make`
 * has run. Before that it is assembled the way the kernel's Makefile and scripts/setlocalversion
 * do: VERSION.PATCHLEVEL.SUBLEVEL EXTRAVERSION, then the localversion* files (output tree, then
 * source tree), then CONFIG_LOCALVERSION. The SCM suffix (CONFIG_LOCALVERSION_AUTO, the "+" of a
 * dirty git tree) is not reproduced: it needs git and the tree's history.
 */
export async function kernelVersionFromSources(
  sourceDir: string,
  outputDir?: string,
  opts: { ignoreRecorded?: boolean } = {},
): Promise<string> {
  const src = resolve(sourceDir);
  const out = outputDir ? resolve(outputDir) : src;

  // A just-changed config (new LOCALVERSION) is not in kernel.release until the next make.
  const recorded = opts.ignoreRecorded ? undefined : await readTrimmed(join(out, 'include/config/kernel.release'));
  if (recorded) return recorded;

  const makefile = await readFile(join(src, 'Makefile'), 'utf8').catch(() => undefined);
  const base = makefile === undefined ? undefined : kernelVersionFromMakefile(makefile);
  if (base === undefined) {
    throw new GkError(
      `${src} is not a kernel source tree (${makefile === undefined ? 'no Makefile' : 'its Makefile sets no VERSION/PATCHLEVEL'})`,
      'point --kerneldir at an unpacked kernel source tree (the directory with the top-level Makefile)',
    );
  }

  // setlocalversion runs in the output tree: its localversion* files come first, the source tree's after.
  let local = await localversionFiles(out);
  if (out !== src) local += await localversionFiles(src);
  const configText = await readFile(join(out, '.config'), 'utf8').catch(() => undefined);
  if (configText !== undefined) local += KernelConfig.parse(configText).get('LOCALVERSION') ?? '';
  return base + local;
}

/**
 * VERSION.PATCHLEVEL.SUBLEVEL + EXTRAVERSION from the top Makefile's text, mirroring
 * KERNELVERSION = $(VERSION)$(if $(PATCHLEVEL),.$(PATCHLEVEL)$(if $(SUBLEVEL),.$(SUBLEVEL)))$(EXTRAVERSION).
 * Undefined when the text does not define VERSION.
 */
export function kernelVersionFromMakefile(text: string): string | undefined {
  const vars = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^(VERSION|PATCHLEVEL|SUBLEVEL|EXTRAVERSION)\s*:?=\s*(.*?)\s*(#.*)?$/.exec(line);
    if (m && !vars.has(m[1]!)) vars.set(m[1]!, m[2]!);
    // The variables sit at the very top; stop before the rest of a 2000-line Makefile.
    if (vars.size === 4) break;
  }
  const version = vars.get('VERSION');
  if (!version) return undefined;
  const patch = vars.get('PATCHLEVEL') ?? '';
  const sub = vars.get('SUBLEVEL') ?? '';
  return version + (patch ? `.${patch}${sub ? `.${sub}` : ''}` : '') + (vars.get('EXTRAVERSION') ?? '');
}

/** Contents of dir/localversion*, in name order, editor backups (*~) skipped, as setlocalversion reads them. */
async function localversionFiles(dir: string): Promise<string> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const picked = names.filter((n) => n.startsWith('localversion') && !n.includes('~')).sort();
  let out = '';
  for (const n of picked) out += (await readTrimmed(join(dir, n))) ?? '';
  return out;
}

async function readTrimmed(path: string): Promise<string | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  // $(cat file) in the kernel's scripts drops trailing newlines only; a release has no inner whitespace.
  const trimmed = text?.replace(/\s+$/, '');
  return trimmed ? trimmed : undefined;
}

/** `uname -m` names the kernel's build system files under a different name (make ARCH=). */
const KERNEL_ARCH: Record<string, string> = {
  x86_64: 'x86',
  i386: 'x86',
  i486: 'x86',
  i586: 'x86',
  i686: 'x86',
  aarch64: 'arm64',
  arm64: 'arm64',
  armv7l: 'arm',
  armv6l: 'arm',
  ppc64: 'powerpc',
  ppc64le: 'powerpc',
  ppc: 'powerpc',
  riscv64: 'riscv',
  riscv32: 'riscv',
  s390x: 's390',
  loongarch64: 'loongarch',
  mips: 'mips',
  mips64: 'mips',
  sparc64: 'sparc',
};

/** The machine name as `uname -m` prints it (x86_64): what genkernel's %%ARCH%% expands to. */
export function hostMachine(): string {
  return machine();
}

/** The kernel's ARCH= for a machine name (x86_64 -> x86); the host's when none is given. */
export function kernelArch(machineName: string = hostMachine()): string {
  return KERNEL_ARCH[machineName] ?? machineName;
}
