/**
 * The kernel toolchain options through the real CLI, with a stand-in `make` that records every
 * command line it gets (one argument per line) and leaves what a kernel build would: the image,
 * System.map, kernel.release and, for modules_install, an empty module tree.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

let dir: string;
let src: string;
let bin: string;
let elf: string;

/** make as a shell script: records its argv, answers image_name, builds the files each target leaves. */
const FAKE_MAKE = `#!/bin/sh
{ echo "ARGV0=$0"; for a in "$@"; do echo "$a"; done; echo "--END--"; } >> "$MAKE_LOG"
out=.
for a in "$@"; do case "$a" in O=*) out="\${a#O=}";; INSTALL_MOD_PATH=*) mp="\${a#INSTALL_MOD_PATH=}";; esac; done
for a in "$@"; do
  case "$a" in
    image_name) echo arch/x86/boot/bzImage;;
    bzImage) mkdir -p "$out/arch/x86/boot" "$out/include/config"; printf 'not an ELF: a bzImage stand-in' > "$out/arch/x86/boot/bzImage";
             echo "ffffffff81000000 T _text" > "$out/System.map"; echo 6.1.0 > "$out/include/config/kernel.release";;
    vmlinux) mkdir -p "$out/include/config"; cp "$FAKE_ELF" "$out/vmlinux"; echo "ffffffff81000000 T _text" > "$out/System.map"; echo 6.1.0 > "$out/include/config/kernel.release";;
    modules_install) mkdir -p "$mp/lib/modules/6.1.0/kernel"; : > "$mp/lib/modules/6.1.0/modules.order"; : > "$mp/lib/modules/6.1.0/modules.builtin";;
  esac
done
exit 0
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsgk-toolchain-'));
  src = join(dir, 'linux');
  bin = join(dir, 'bin');
  mkdirSync(src, { recursive: true });
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(src, 'Makefile'), 'VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 0\nEXTRAVERSION =\n');
  writeFileSync(join(bin, 'make'), FAKE_MAKE);
  chmodSync(join(bin, 'make'), 0o755);
  // A real ELF with debug sections, for --kernel-binary=vmlinux with --strip=kernel.
  writeFileSync(join(dir, 'v.c'), 'int answer(void) { return 42; }\nint main(void) { return answer(); }\n');
  elf = join(dir, 'vmlinux.debug');
  const cc = spawnSync('gcc', ['-g', '-O0', '-o', elf, join(dir, 'v.c')]);
  expect(cc.status).toBe(0);
  writeFileSync(join(dir, 'kernel.config'), 'CONFIG_64BIT=y\nCONFIG_X86=y\nCONFIG_BLK_DEV_INITRD=y\nCONFIG_DEVTMPFS=y\nCONFIG_MODULES=y\nCONFIG_RD_ZSTD=y\n');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One build of `command` in a fresh output and boot dir; returns its result and the make command lines. */
function build(command: string, name: string, flags: string[]) {
  const out = join(dir, `out-${name}`);
  const boot = join(dir, `boot-${name}`);
  mkdirSync(boot, { recursive: true });
  const log = join(dir, `make-${name}.log`);
  writeFileSync(log, '');
  const res = runCli(
    [command, `--kerneldir=${src}`, `--kernel-outputdir=${out}`, `--kernel-config=${join(dir, 'kernel.config')}`, `--bootdir=${boot}`,
      `--kernel-modules-prefix=${join(dir, `mods-${name}`)}`, '--no-mountboot', '--no-save-config', '--no-mrproper', '--no-clean',
      '--no-module-rebuild', `--tmpdir=${join(dir, 'tmp')}`, `--logfile=${join(dir, `${name}.log`)}`, ...flags],
    { PATH: `${bin}:${process.env.PATH}`, MAKE_LOG: log, FAKE_ELF: elf },
  );
  const calls = readFileSync(log, 'utf8').split('--END--\n').filter(Boolean).map((c) => c.trim().split('\n'));
  return { res, calls, out, boot };
}

const out = (r: { stdout: string; stderr: string }) => `${r.stdout}${r.stderr}`;

describe('kernel toolchain options reach every kernel make', () => {
  it('passes --kernel-cc/-ld/-strip... each as one VAR=value argument, and runs --kernel-make', () => {
    const gmake = join(bin, 'gmake');
    writeFileSync(gmake, FAKE_MAKE);
    chmodSync(gmake, 0o755);
    const { res, calls } = build('bzImage', 'tools', [
      '--kernel-cc=distcc gcc', '--kernel-ld=ld.bfd', '--kernel-as=as', '--kernel-ar=ar', '--kernel-nm=nm', '--kernel-objcopy=objcopy',
      '--kernel-objdump=objdump', '--kernel-readelf=readelf', '--kernel-strip=strip', '--kernel-ranlib=ranlib', `--kernel-make=${gmake}`,
    ]);
    expect(res.status, out(res)).toBe(0);
    expect(calls.length).toBeGreaterThan(2);
    for (const argv of calls) {
      expect(argv[0]).toBe(`ARGV0=${gmake}`);
      for (const v of ['CC=distcc gcc', 'LD=ld.bfd', 'AS=as', 'AR=ar', 'NM=nm', 'OBJCOPY=objcopy', 'OBJDUMP=objdump', 'READELF=readelf', 'STRIP=strip', 'RANLIB=ranlib']) {
        expect(argv, argv.join(' ')).toContain(v);
      }
      expect(argv.some((a) => a.startsWith('ARCH=') || a.startsWith('CROSS_COMPILE='))).toBe(false);
    }
    expect(calls.some((argv) => argv.includes('bzImage'))).toBe(true);
  });

  it('reads the same settings from genkernel.conf (KERNEL_CC, KERNEL_MAKE_DIRECTIVE_OVERRIDE, KERNEL_BINARY_OVERRIDE)', () => {
    const conf = join(dir, 'toolchain.conf');
    writeFileSync(conf, 'KERNEL_CC="distcc gcc"\nKERNEL_LD="ld.bfd"\nKERNEL_MAKE_DIRECTIVE_OVERRIDE="vmlinux"\nKERNEL_BINARY_OVERRIDE="vmlinux"\n');
    const { res, calls, boot } = build('bzImage', 'conf', [`--config=${conf}`]);
    expect(res.status, out(res)).toBe(0);
    expect(out(res)).not.toMatch(/not offered|unknown key/);
    for (const argv of calls) expect(argv).toEqual(expect.arrayContaining(['CC=distcc gcc', 'LD=ld.bfd']));
    expect(calls.some((argv) => argv.includes('vmlinux'))).toBe(true);
    expect(readFileSync(join(boot, 'vmlinuz-6.1.0'))).toEqual(readFileSync(elf));
  });

  it('passes nothing when no tool is set, so make picks its own', () => {
    const { res, calls } = build('bzImage', 'plain', []);
    expect(res.status, out(res)).toBe(0);
    for (const argv of calls) expect(argv.filter((a) => /^(CC|LD|AS|ARCH|CROSS_COMPILE|STRIP)=/.test(a))).toEqual([]);
  });

  it('--cross-compile=TRIPLET passes CROSS_COMPILE=TRIPLET- and the ARCH it implies; a missing cross compiler is named', () => {
    const missing = build('bzImage', 'cross-missing', ['--cross-compile=aarch64-linux-gnu']);
    expect(missing.res.status).not.toBe(0);
    expect(out(missing.res)).toMatch(/toolchain names programs this host lacks: aarch64-linux-gnu-gcc/);
    expect(missing.calls).toEqual([]);

    // A stand-in cross compiler: the prerequisite checks run it; the fake make never does.
    writeFileSync(join(bin, 'aarch64-linux-gnu-gcc'), '#!/bin/sh\nexit 0\n');
    chmodSync(join(bin, 'aarch64-linux-gnu-gcc'), 0o755);
    const { res, calls } = build('bzImage', 'cross', ['--cross-compile=aarch64-linux-gnu']);
    expect(res.status, out(res)).toBe(0);
    for (const argv of calls) {
      expect(argv).toContain('ARCH=arm64');
      expect(argv).toContain('CROSS_COMPILE=aarch64-linux-gnu-');
    }
    rmSync(join(bin, 'aarch64-linux-gnu-gcc'));
  });

  it("refuses a cross 'all' before any work: its initramfs is built from this machine's tools", () => {
    const { res, calls } = build('all', 'cross-all', ['--kernel-cross-compile=riscv64-linux-gnu-']);
    expect(res.status).not.toBe(0);
    expect(out(res)).toMatch(/builds a kernel for ARCH=riscv, but the initramfs of 'all' is built from this machine's tools/);
    expect(calls).toEqual([]);
  });

  it('refuses a triplet whose CPU it cannot map to a kernel ARCH, with the way out', () => {
    const { res } = build('bzImage', 'cross-bad', ['--cross-compile=frobnicator-linux-gnu']);
    expect(res.status).not.toBe(0);
    expect(out(res)).toMatch(/cannot tell the kernel architecture of the cross-compile triplet 'frobnicator-linux-gnu'/);
  });
});

describe('--kernel-target, --kernel-binary and --strip', () => {
  it('builds --kernel-target and installs --kernel-binary; --strip=kernel strips that ELF copy only', () => {
    const { res, calls, out: o, boot } = build('bzImage', 'vmlinux', ['--kernel-target=vmlinux', '--kernel-binary=vmlinux', '--strip=kernel']);
    expect(res.status, out(res)).toBe(0);
    const compile = calls.find((argv) => argv.includes('vmlinux'));
    expect(compile).toBeDefined();
    expect(calls.some((argv) => argv.includes('bzImage') || argv.includes('image_name'))).toBe(false);
    const installed = join(boot, 'vmlinuz-6.1.0');
    expect(statSync(installed).size).toBeLessThan(statSync(join(o, 'vmlinux')).size);
    const sections = (f: string) => spawnSync('readelf', ['-S', '-W', f], { encoding: 'utf8' }).stdout;
    expect(sections(join(o, 'vmlinux'))).toContain('.debug_info');
    expect(sections(installed)).not.toContain('.debug_info');
  });

  it('--strip=all strips an ELF image too; --strip=modules and none leave it as built', () => {
    const sizes: Record<string, number> = {};
    for (const mode of ['all', 'modules', 'none']) {
      const { res, boot } = build('bzImage', `strip-${mode}`, ['--kernel-target=vmlinux', '--kernel-binary=vmlinux', `--strip=${mode}`]);
      expect(res.status, out(res)).toBe(0);
      sizes[mode] = statSync(join(boot, 'vmlinuz-6.1.0')).size;
    }
    expect(sizes.all).toBeLessThan(sizes.modules!);
    expect(sizes.modules).toBe(statSync(elf).size);
    expect(sizes.none).toBe(statSync(elf).size);
  });

  it('--strip=kernel on a bzImage says there is nothing to strip and installs it unchanged', () => {
    const { res, out: o, boot } = build('bzImage', 'strip-bz', ['--strip=kernel', '--loglevel=2']);
    expect(res.status, out(res)).toBe(0);
    expect(out(res) + readFileSync(join(dir, 'strip-bz.log'), 'utf8')).toMatch(/bzImage is not an ELF file .*nothing to strip/);
    expect(readFileSync(join(boot, 'vmlinuz-6.1.0'))).toEqual(readFileSync(join(o, 'arch/x86/boot/bzImage')));
  });

  it('modules_install gets INSTALL_MOD_STRIP=1 with --strip=modules and all, not with kernel or none', () => {
    const got: Record<string, boolean> = {};
    for (const mode of ['modules', 'all', 'kernel', 'none']) {
      const { res, calls } = build('kernel', `mods-${mode}`, [`--strip=${mode}`]);
      expect(res.status, out(res)).toBe(0);
      const install = calls.find((argv) => argv.includes('modules_install'));
      expect(install, mode).toBeDefined();
      got[mode] = install!.includes('INSTALL_MOD_STRIP=1');
    }
    expect(got).toEqual({ modules: true, all: true, kernel: false, none: false });
  });
});

describe('--integrated-initramfs refusals, before any work', () => {
  it('refuses with early microcode, as genkernel does', () => {
    const micro = build('all', 'integrated-ucode', ['--integrated-initramfs', '--microcode-initramfs']);
    expect(micro.res.status).not.toBe(0);
    expect(out(micro.res)).toMatch(/--integrated-initramfs cannot carry early microcode/);
    expect(micro.calls).toEqual([]);
    expect(existsSync(join(micro.boot, 'vmlinuz-6.1.0'))).toBe(false);
  });
});
