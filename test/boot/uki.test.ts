/**
 * --uki (project issue 16): a unified kernel image built by `tsgenkernel initramfs --uki`, put
 * as \EFI\BOOT\BOOTX64.EFI on a FAT image made here with mkfs.vfat and mtools (no loop device),
 * and booted by OVMF under QEMU. The UKI's own command line must bring up the fixture's root.
 */
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { bootFixture, ROOT_LABEL, REPO, type BootFixture } from './fixture.js';
import { bootImage, initLines } from './qemu.js';
import { buildImage, type BuildResult } from './build-image.js';
import { readPe } from '../../src/uki/pe.js';
import { DEFAULT_STUB } from '../../src/uki/build-uki.js';
import { makeSigningPair } from '../../src/uki/test-signing-pair.js';
import { expectRealRoot } from './one-root.js';

const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE.fd';
const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS.fd';
const CMDLINE = `console=ttyS0 panic=-1 root=LABEL=${ROOT_LABEL}`;
const EPOCH = '1700000000';

let fx: BootFixture;
const timings: string[] = [];
const workDirs: string[] = [];

beforeAll(() => {
  fx = bootFixture();
  for (const need of [DEFAULT_STUB, OVMF_CODE, OVMF_VARS]) if (!existsSync(need)) throw new Error(`${need} is missing: run scripts/setup (systemd-boot-efi, ovmf)`);
}, 600_000);

afterAll(() => {
  if (timings.length) console.log(`uki:\n  ${timings.join('\n  ')}`);
  for (const d of workDirs) rmSync(d, { recursive: true, force: true });
});

/** A build with --uki into a fresh boot dir and ESP dir of its own. */
function buildUki(name: string, args: string[]): BuildResult & { esp: string; uki?: string } {
  const esp = join(fx.scratch, `${name}-esp-${process.pid}`);
  rmSync(esp, { recursive: true, force: true });
  mkdirSync(esp);
  workDirs.push(esp);
  const previous = process.env.SOURCE_DATE_EPOCH;
  process.env.SOURCE_DATE_EPOCH = EPOCH;
  try {
    const r = buildImage(fx, ['--uki', `--esp=${esp}`, ...args], name);
    workDirs.push(r.workDir);
    timings.push(`build ${name}: exit ${r.exitCode} in ${r.ms} ms`);
    const dir = join(esp, 'EFI', 'Linux');
    const uki = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.efi')).map((f) => join(dir, f))[0] : undefined;
    return { ...r, esp, uki };
  } finally {
    if (previous === undefined) delete process.env.SOURCE_DATE_EPOCH;
    else process.env.SOURCE_DATE_EPOCH = previous;
  }
}

/** A FAT image holding `efi` as the removable-media boot path \EFI\BOOT\BOOTX64.EFI. */
function espImage(efi: string, dest: string): string {
  const kib = Math.ceil(statSync(efi).size / 1024) + 8192;
  rmSync(dest, { force: true });
  execFileSync('mkfs.vfat', ['-C', '-n', 'TSGKESP', dest, String(kib)], { stdio: 'ignore' });
  execFileSync('mmd', ['-i', dest, '::/EFI', '::/EFI/BOOT']);
  execFileSync('mcopy', ['-i', dest, efi, '::/EFI/BOOT/BOOTX64.EFI']);
  return dest;
}

async function bootUefi(label: string, efi: string, work: string) {
  const vars = join(work, 'OVMF_VARS.fd');
  copyFileSync(OVMF_VARS, vars);
  const esp = espImage(efi, join(work, 'esp.img'));
  const r = await bootImage({ kernel: '', initramfs: '', append: '', firmware: { code: OVMF_CODE, vars }, disks: [esp, fx.decoyDisk, fx.rootDisk], timeoutMs: 240_000 });
  timings.push(`${label}: ${r.reachedRoot ? `root reached in ${r.ms} ms` : `no root, QEMU exited after ${r.totalMs} ms`}`);
  return r;
}

const sbverify = (cert: string, file: string) => spawnSync('sbverify', ['--cert', cert, file], { encoding: 'utf8' });

describe('--uki', () => {
  test('the UKI is installed as EFI/Linux/<os-id>-<KV>.efi, reproducible with SOURCE_DATE_EPOCH, and OVMF boots it to the root', async () => {
    const a = buildUki('uki-a', [`--uki-cmdline=${CMDLINE}`]);
    expect(a.exitCode, a.output).toBe(0);
    const osId = /^ID=["']?([^"'\n]*)/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
    expect(a.uki).toBe(join(a.esp, 'EFI', 'Linux', `${osId}-${fx.kv}.efi`));
    const uki = readFileSync(a.uki!);
    // The sections the stub reads, after the stub's own, each on a page boundary.
    const pe = readPe(uki);
    const names = pe.sections.map((s) => s.name);
    expect(names.slice(-5)).toEqual(['.osrel', '.cmdline', '.uname', '.initrd', '.linux']);
    const section = (n: string) => pe.sections.find((s) => s.name === n)!;
    for (const n of ['.osrel', '.cmdline', '.uname', '.initrd', '.linux']) expect(section(n).virtualAddress % 4096).toBe(0);
    const text = (n: string) => uki.toString('latin1', section(n).rawOffset, section(n).rawOffset + section(n).virtualSize);
    expect(text('.cmdline')).toBe(CMDLINE);
    expect(text('.uname')).toBe(fx.kv);
    expect(section('.linux').virtualSize).toBe(statSync(fx.kernel).size);
    const initramfs = readFileSync(a.image!);
    expect(uki.subarray(section('.initrd').rawOffset, section('.initrd').rawOffset + section('.initrd').virtualSize).equals(initramfs)).toBe(true);

    // A second build from another temp and boot dir: the same bytes.
    const b = buildUki('uki-b', [`--uki-cmdline=${CMDLINE}`]);
    expect(b.exitCode, b.output).toBe(0);
    expect(readFileSync(b.uki!).equals(uki), 'two builds with one SOURCE_DATE_EPOCH differ').toBe(true);

    const r = await bootUefi('OVMF, unsigned UKI', a.uki!, a.workDir);
    expectRealRoot(r, '/dev/vdc');
    // The command line came from the UKI: nothing else passed one.
    expect(r.output).toContain(`TSGK-CMDLINE: ${CMDLINE}`);
    expect(initLines(r.output)).toContain(`root device LABEL=${ROOT_LABEL} is /dev/vdc`);
  }, 600_000);

  test('a signed UKI verifies against its certificate, a changed byte does not; a second install keeps one .old', async () => {
    const keys = join(fx.scratch, `uki-keys-${process.pid}`);
    mkdirSync(keys, { recursive: true });
    workDirs.push(keys);
    const pair = makeSigningPair(keys, 'db');
    const other = makeSigningPair(keys, 'other');
    const args = [`--uki-cmdline=${CMDLINE}`, `--uki-sign-key=${pair.key}`, `--uki-sign-cert=${pair.cert}`];
    const r = buildUki('uki-signed', args);
    expect(r.exitCode, r.output).toBe(0);
    expect(sbverify(pair.cert, r.uki!).status, sbverify(pair.cert, r.uki!).stderr).toBe(0);
    expect(sbverify(other.cert, r.uki!).status).not.toBe(0);
    const tampered = join(r.workDir, 'tampered.efi');
    const bytes = readFileSync(r.uki!);
    const cmd = readPe(bytes).sections.find((s) => s.name === '.cmdline')!;
    bytes[cmd.rawOffset] = bytes[cmd.rawOffset]! ^ 0x20;
    writeFileSync(tampered, bytes);
    expect(sbverify(pair.cert, tampered).status).not.toBe(0);

    // The signed one boots too (OVMF without Secure Boot keys enrolled ignores the signature).
    const booted = await bootUefi('OVMF, signed UKI', r.uki!, r.workDir);
    expectRealRoot(booted, '/dev/vdc');

    // Installed again into the same ESP: the previous UKI becomes the one .old.
    const first = readFileSync(r.uki!);
    const again = buildImage(fx, ['--uki', `--esp=${r.esp}`, ...args], 'uki-signed-again');
    workDirs.push(again.workDir);
    expect(again.exitCode, again.output).toBe(0);
    expect(readdirSync(join(r.esp, 'EFI', 'Linux')).sort()).toEqual([basename(r.uki!), `${basename(r.uki!)}.old`]);
    expect(readFileSync(`${r.uki!}.old`).equals(first)).toBe(true);
  }, 600_000);

  test('bad input: one-line errors, nothing installed in the boot dir or on the ESP', () => {
    const keys = join(fx.scratch, `uki-badkeys-${process.pid}`);
    mkdirSync(keys, { recursive: true });
    workDirs.push(keys);
    const a = makeSigningPair(keys, 'a');
    const b = makeSigningPair(keys, 'b');
    const cases: Array<[string, string[], RegExp]> = [
      ['initrd= in the command line', [`--uki-cmdline=${CMDLINE} initrd=\\initrd.img`], /contains 'initrd=\\initrd\.img'/],
      ['unreadable key', [`--uki-cmdline=${CMDLINE}`, `--uki-sign-key=${join(keys, 'missing.key')}`, `--uki-sign-cert=${a.cert}`], /signing key .* cannot be read/],
      ['certificate of another key', [`--uki-cmdline=${CMDLINE}`, `--uki-sign-key=${a.key}`, `--uki-sign-cert=${b.cert}`], /does not belong to the key/],
      ['missing stub', [`--uki-cmdline=${CMDLINE}`, '--uki-stub=/nonexistent/linuxx64.efi.stub'], /EFI stub .* cannot be read/],
    ];
    for (const [what, args, message] of cases) {
      const r = buildUki(`uki-bad`, args);
      expect(r.exitCode, what).not.toBe(0);
      const errors = r.output.split('\n').filter((l) => l.startsWith('tsgenkernel:'));
      expect(errors, `${what}:\n${r.output}`).toHaveLength(1);
      expect(errors[0], what).toMatch(message);
      expect(r.bootDirEntries, what).toEqual([]);
      expect(readdirSync(r.esp), what).toEqual([]);
    }
  }, 300_000);

  test('check reports a missing stub, a missing ESP and an ESP without room; a build into a full ESP installs nothing', () => {
    const base = [`--kernel-version=${fx.kv}`, `--kernel-modules-prefix=${fx.zstdModulesPrefix}`, `--kernel-config=${fx.zstdConfig}`, '--no-mountboot', '--bootdir=/boot', '--uki', `--uki-cmdline=${CMDLINE}`, '--logfile=/dev/null'];
    const check = (args: string[]) => spawnSync(join(REPO, 'bin', 'tsgenkernel'), ['check', ...base, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    const missing = check(['--uki-stub=/nonexistent/stub.efi', '--esp=/nonexistent-esp']);
    expect(missing.status).not.toBe(0);
    expect(missing.stdout).toMatch(/^FAIL uki stub: the EFI stub \/nonexistent\/stub\.efi cannot be read/m);
    expect(missing.stdout).toMatch(/^FAIL esp: the ESP \/nonexistent-esp \(--esp\) is not a directory/m);

    // A 2 MiB tmpfs stands in for a full ESP (a mount needs root, but no loop device).
    const small = join(fx.scratch, `uki-small-esp-${process.pid}`);
    mkdirSync(small, { recursive: true });
    workDirs.push(small);
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tsgk-small-esp', small]).status !== 0) {
      console.log('uki: cannot mount a tmpfs here (not root?); the full-ESP case is skipped');
      return;
    }
    try {
      const full = check([`--esp=${small}`]);
      expect(full.stdout).toMatch(new RegExp(`^FAIL esp: ${small} has \\d+ MB free; the UKI needs about \\d+ MB`, 'm'));
      const r = buildImage(fx, ['--uki', `--esp=${small}`, `--uki-cmdline=${CMDLINE}`], 'uki-full-esp');
      workDirs.push(r.workDir);
      expect(r.exitCode).not.toBe(0);
      expect(r.output).toMatch(/the ESP .* has [\d.]+ MiB free but the UKI needs/);
      expect(r.bootDirEntries).toEqual([]);
      expect(readdirSync(small)).toEqual([]);
    } finally {
      spawnSync('umount', [small]);
    }
  }, 300_000);
});
