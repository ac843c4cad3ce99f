/**
 * initrd.lib/resume.sh's choices on the host (see storage/fragment-harness.ts): which device,
 * noresume, a device that never appears, a plain swap, and the MAJ:MIN written for an image.
 * The QEMU runs in hibernate.test.ts prove that the kernel then really resumes.
 */
import { describe, test, expect } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFragments } from '../storage/fragment-harness.js';

/** A page-sized swap header whose last ten bytes carry `signature`. */
function swapHeader(dir: string, signature: string): string {
  const page = Buffer.alloc(4096);
  page.write(signature, 4086, 'latin1');
  const f = join(dir, `swap-${signature}`);
  writeFileSync(f, page);
  return f;
}

function resume(cmdline: string, dev?: string, setup = '') {
  const dir = mkdtempSync(join(tmpdir(), 'tsgk-resume-'));
  const sysResume = join(dir, 'sys-power-resume');
  writeFileSync(sysResume, '');
  const found = dev ? `gk_resolve_root() { echo "RESOLVE $1" >&2; echo '${dev}'; }` : 'gk_resolve_root() { return 1; }';
  const r = runFragments({
    fragments: [],
    cmdline,
    tools: {},
    setup: `${found}\ngk_devno() { echo 253:7; }\nGK_SYS_POWER_RESUME='${sysResume}'\n${setup}`,
    steps: 'gk_resume; echo "RC=$?"; gk_resume; echo "AGAIN=$?"',
  });
  return { ...r, written: readFileSync(sysResume, 'utf8') };
}

describe('resume from hibernation (initrd.lib/resume.sh)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsgk-resume-'));
  const image = swapHeader(dir, 'S1SUSPEND');
  const plain = swapHeader(dir, 'SWAPSPACE2');

  test('a swap holding an image: its MAJ:MIN goes to /sys/power/resume, once', () => {
    const r = resume('resume=UUID=1234', image);
    expect(r.output).toContain('RESOLVE UUID=1234');
    expect(r.output).toContain(`resume: resuming from ${image} (253:7, signature S1SUSPEND)`);
    expect(r.written).toBe('253:7\n');
    // Where the kernel found no image it returns: the boot goes on, and a retry does not resume again.
    expect(r.output).toContain('the kernel resumed nothing');
    expect(r.output).toContain('RC=0');
    expect(r.output).toContain('AGAIN=0');
    expect(r.output.match(/resuming from/g)).toHaveLength(1);
  });

  test('real_resume= wins over resume=; the crypt_swap= mapping is the fallback', () => {
    expect(resume('resume=/dev/a real_resume=PARTUUID=abcd', image).output).toContain('RESOLVE PARTUUID=abcd');
    expect(resume('root=/dev/vda', image, 'GK_RESUME_FALLBACK=/dev/mapper/swap').output).toContain('RESOLVE /dev/mapper/swap');
  });

  test('a plain swap boots normally, without writing', () => {
    const r = resume('resume=LABEL=swap', plain);
    expect(r.output).toContain(`resume: no hibernation image on ${plain} (a plain swap area): booting normally`);
    expect(r.written).toBe('');
  });

  test('noresume: not even looked for', () => {
    const r = resume('resume=LABEL=swap noresume', image);
    expect(r.output).toContain('resume: noresume given: not resuming from LABEL=swap');
    expect(r.output).not.toContain('RESOLVE');
    expect(r.written).toBe('');
  });

  test('a resume device that never appears: one line after the bounded wait, then the boot goes on', () => {
    const r = resume('resume=UUID=gone');
    expect(r.output).toContain('waiting up to 1 s for resume device UUID=gone');
    expect(r.output).toContain('resume: resume device UUID=gone did not appear within 1 s: booting without resuming');
    expect(r.output).toContain('RC=0');
    expect(r.written).toBe('');
  });

  test('without resume= nothing happens', () => {
    const r = resume('root=/dev/vda', image);
    expect(r.output).not.toContain('resume');
    expect(r.written).toBe('');
  });

  test('gk_devno prints a device number in decimal', () => {
    const r = runFragments({ fragments: [], cmdline: '', tools: {}, steps: 'gk_devno /dev/null' });
    expect(r.output.trim()).toBe('1:3');
  });
});
