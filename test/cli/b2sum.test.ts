/** --b2sum: the installed initramfs gets a .b2sum beside it that b2sum -c accepts. */
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, writeGroupConf } from './run-cli.js';
import { TEST_KV } from '../debian-kernel.js';

const work = mkdtempSync(join(tmpdir(), 'tsgk-b2sum-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('--b2sum', () => {
  it('writes initramfs-KV.img.b2sum beside the image', () => {
    const conf = writeGroupConf(join(work, 'g.conf'), { MODULES_FS: 'ext4' });
    const boot = join(work, 'boot');
    mkdirSync(boot);
    const r = runCli(['initramfs', `--config=${conf}`, `--kernel-version=${TEST_KV}`, `--bootdir=${boot}`, '--no-mountboot', `--tmpdir=${join(work, 'tmp')}`, `--logfile=${join(work, 'log')}`, '--b2sum']);
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(boot).sort()).toEqual([`initramfs-${TEST_KV}.img`, `initramfs-${TEST_KV}.img.b2sum`]);
    expect(execFileSync('b2sum', ['-c', `initramfs-${TEST_KV}.img.b2sum`], { cwd: boot, encoding: 'utf8' })).toBe(`initramfs-${TEST_KV}.img: OK\n`);
  });
});
