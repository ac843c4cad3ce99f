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

function shellFiles(): string[] {
  const files = ['defaults/linuxrc', 'defaults/initrd.scripts'];
  const fragments = join(REPO, 'defaults', 'initrd.d');
  if (existsSync(fragments)) {
    files.push(...readdirSync(fragments).filter((f) => f.endsWith('.sh')).sort().map((f) => `defaults/initrd.d/${f}`));
  }
  const rootDisk = join(REPO, 'test', 'boot', 'root-disk');
  if (existsSync(rootDisk)) files.push(...readdirSync(rootDisk).sort().map((f) => `test/boot/root-disk/${f}`));
  return files;
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
