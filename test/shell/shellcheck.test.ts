/**
 * Everything that runs inside the image (and the boot tests' root-disk init) is POSIX sh
 * for busybox ash: `shellcheck -s sh` must have nothing to say about any of it.
 */
import { describe, test, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Every file of a folder, sorted, as repository paths; `ext` keeps only names with that ending. */
function filesIn(dir: string, ext = ''): string[] {
  const abs = join(REPO, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs).filter((f) => f.endsWith(ext)).sort().map((f) => `${dir}/${f}`);
}

function shellFiles(): string[] {
  return [
    'defaults/linuxrc',
    'defaults/initrd.scripts',
    // Checked one by one: shellcheck -x reads a sourced file for its definitions but reports nothing in it.
    ...filesIn('defaults/initrd.lib', '.sh'),
    ...filesIn('defaults/initrd.d', '.sh'),
    // gk-unlock, resume-boot and the udhcpc event script go into the image with --ssh.
    ...filesIn('defaults/ssh'),
    ...filesIn('test/boot/root-disk'),
  ];
}

describe('shellcheck -s sh', () => {
  test('shellcheck is installed', () => {
    const r = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' });
    expect(r.status, 'install the shellcheck package').toBe(0);
  });

  test.each(shellFiles())('%s has no findings', (file) => {
    expect(existsSync(join(REPO, file))).toBe(true);
    // -x follows `. /etc/initrd.scripts` through its source= directive, so linuxrc is
    // checked with the helpers' definitions in view.
    const r = spawnSync('shellcheck', ['-s', 'sh', '-x', '-f', 'gcc', file], { cwd: REPO, encoding: 'utf8' });
    expect(r.stdout + r.stderr, `shellcheck findings in ${file}`).toBe('');
    expect(r.status).toBe(0);
  });
});
