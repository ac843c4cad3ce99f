import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { GkError } from '../errors.js';
import { KernelConfig } from '../kernel/kconfig.js';
import { checkedModuleCompressionOf, moduleCompressionOf } from './compression.js';
import { TEST_KERNEL_CONFIG } from '../../test/debian-kernel.js';

const debianConfig = readFileSync(TEST_KERNEL_CONFIG, 'utf8');
// The real config with its compression choice swapped, as a user's edited .config would be.
const withChoice = (symbol: string) =>
  KernelConfig.parse(debianConfig.replace(/^CONFIG_MODULE_COMPRESS_NONE=y$/m, '# CONFIG_MODULE_COMPRESS_NONE is not set') + `\n${symbol}=y\n`);

describe('checkedModuleCompressionOf', () => {
  it('reads none from the Debian 6.1 config, like moduleCompressionOf', () => {
    const c = KernelConfig.parse(debianConfig);
    expect(checkedModuleCompressionOf(c)).toBe('none');
    expect(moduleCompressionOf(c)).toBe('none');
  });

  it.each([
    ['CONFIG_MODULE_COMPRESS_ZSTD', 'zstd'],
    ['CONFIG_MODULE_COMPRESS_XZ', 'xz'],
    ['CONFIG_MODULE_COMPRESS_GZIP', 'gzip'],
  ])('%s=y -> %s', (symbol, expected) => {
    expect(checkedModuleCompressionOf(withChoice(symbol))).toBe(expected);
  });

  it.each(['CONFIG_MODULE_COMPRESS_LZ4', 'CONFIG_MODULE_COMPRESS_FOO'])('refuses unknown %s=y naming it', (symbol) => {
    expect(() => checkedModuleCompressionOf(withChoice(symbol), '/boot/config-x')).toThrow(GkError);
    expect(() => checkedModuleCompressionOf(withChoice(symbol), '/boot/config-x')).toThrow(new RegExp(`/boot/config-x sets ${symbol}=y`));
  });

  it('ignores the switches that are not an algorithm', () => {
    expect(checkedModuleCompressionOf(KernelConfig.parse(debianConfig + '\nCONFIG_MODULE_COMPRESS_ALL=y\nCONFIG_MODULE_COMPRESS=y\n'))).toBe('none');
  });

  it('refuses two algorithms at once', () => {
    const c = KernelConfig.parse(debianConfig + '\nCONFIG_MODULE_COMPRESS_XZ=y\n');
    expect(() => checkedModuleCompressionOf(c)).toThrow(/several module compressions/);
  });
});
