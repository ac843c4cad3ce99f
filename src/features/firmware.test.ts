import { describe, test, expect } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageTree } from '../image/image-tree.js';
import { featureTestContext } from '../firmware/test-context.js';
import { declaredFirmware, firmwareFeature, installFirmware } from './firmware.js';
import type { ModulePlan } from '../kmod/types.js';
import { GkError } from '../errors.js';
import { execFileSync } from 'node:child_process';
import { REAL_MODULE_DIR } from '../firmware/test-context.js';

function kmodFirmware(rel: string): string[] {
  return execFileSync('modinfo', ['-F', 'firmware', join(REAL_MODULE_DIR, rel)], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

const CARL = 'kernel/drivers/net/wireless/ath/carl9170/carl9170.ko';
const E100 = 'kernel/drivers/net/ethernet/intel/e100.ko';
const I915 = 'kernel/drivers/gpu/drm/i915/i915.ko';

function plan(relPaths: string[]): ModulePlan {
  return { modules: relPaths.map((relPath) => ({ name: relPath.replace(/.*\/|\.ko$/g, ''), relPath })), builtin: [], missing: [] };
}

describe('firmware feature on the real module tree and /lib/firmware (firmware-linux-free)', () => {
  test('FIRMWARE=yes: declared firmware that exists goes in; the missing rest is one warning line', async () => {
    const { ctx, lines } = await featureTestContext({ settings: { FIRMWARE: true } });
    ctx.modules = plan([CARL, E100, I915]);
    const image = new ImageTree();
    expect(firmwareFeature.enabled(ctx)).toBe(true);
    await installFirmware(ctx, image);
    expect(image.get('lib/firmware/carl9170-1.fw')?.kind).toBe('file');
    const declared = await declaredFirmware(ctx);
    expect([...declared.keys()]).toContain('carl9170-1.fw');
    expect(declared.get('e100/d101m_ucode.bin')).toEqual([E100]);
    // Every e100 and i915 name is missing here: exactly one line about them at the default loglevel.
    const expected = new Set([E100, I915].flatMap((m) => kmodFirmware(m))).size;
    const warnings = lines.filter((l) => l.includes('WARNING'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`${expected} firmware files the selected drivers can ask for are not in /lib/firmware: `);
    expect(warnings[0]).toContain(`and ${expected - 5} more`);
  });

  test('--loglevel=3 lists each missing file with the module that named it', async () => {
    const { ctx, lines } = await featureTestContext({ settings: { FIRMWARE: true }, level: 3 });
    ctx.modules = plan([E100]);
    await installFirmware(ctx, new ImageTree());
    expect(lines.filter((l) => /firmware e100\/d10\w+_ucode\.bin not found \(named by .*e100\.ko\)/.test(l))).toHaveLength(3);
  });

  test('FIRMWARE=no: the feature is off unless a list or --all-firmware asks', async () => {
    const { ctx } = await featureTestContext({ settings: { FIRMWARE: false, ALLFIRMWARE: false, FIRMWARE_FILES: '' } });
    expect(firmwareFeature.enabled(ctx)).toBe(false);
    ctx.settings.FIRMWARE_FILES = 'carl9170-1.fw';
    expect(firmwareFeature.enabled(ctx)).toBe(true);
  });

  test('--firmware-files: listed files are added, an unknown one is a GkError naming it', async () => {
    const { ctx } = await featureTestContext({ settings: { FIRMWARE: false, FIRMWARE_FILES: 'carl9170-1.fw,av7110/bootcode.bin' } });
    const image = new ImageTree();
    await installFirmware(ctx, image);
    expect(image.get('lib/firmware/av7110/bootcode.bin')?.kind).toBe('file');
    ctx.settings.FIRMWARE_FILES = 'carl9170-1.fw, nosuch/file.bin';
    await expect(installFirmware(ctx, new ImageTree())).rejects.toThrow(/--firmware-files names a file not in \/lib\/firmware: nosuch\/file\.bin/);
  });

  test('--all-firmware with --firmware-dir takes the whole directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsgk-allfw-'));
    mkdirSync(join(dir, 'a'));
    writeFileSync(join(dir, 'a', 'one.bin'), '1');
    writeFileSync(join(dir, 'two.bin'), '2');
    const { ctx } = await featureTestContext({ settings: { FIRMWARE: false, ALLFIRMWARE: true, FIRMWARE_DIR: dir } });
    const image = new ImageTree();
    await installFirmware(ctx, image);
    expect(image.get('lib/firmware/a/one.bin')?.kind).toBe('file');
    expect(image.get('lib/firmware/two.bin')?.kind).toBe('file');
  });

  test('a missing firmware dir: warning for FIRMWARE=yes, GkError for an explicit request', async () => {
    const { ctx, lines } = await featureTestContext({ settings: { FIRMWARE: true, FIRMWARE_DIR: '/nonexistent/fw' } });
    ctx.modules = plan([CARL]);
    await installFirmware(ctx, new ImageTree());
    expect(lines.join('\n')).toMatch(/firmware directory \/nonexistent\/fw does not exist/);
    ctx.settings.ALLFIRMWARE = true;
    const err = await installFirmware(ctx, new ImageTree()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GkError);
    expect((err as GkError).oneLine()).toMatch(/firmware directory \/nonexistent\/fw does not exist — .*--firmware-dir=DIR/);
  });
});
