import { describe, expect, it } from 'vitest';
import { requiredKernelOptions, requiredRdOption } from './required-options.js';

describe('requiredRdOption', () => {
  it('names the decompressor option for each image compressor', () => {
    expect(requiredRdOption('zstd')).toBe('RD_ZSTD');
    expect(requiredRdOption('gzip')).toBe('RD_GZIP');
    expect(requiredRdOption('lzma')).toBe('RD_LZMA');
    expect(requiredRdOption('lz4')).toBe('RD_LZ4');
    expect(requiredRdOption('best')).toBe('RD_XZ');
    expect(requiredRdOption('fastest')).toBe('RD_LZ4');
    expect(requiredRdOption('none')).toBeUndefined();
    expect(requiredRdOption(undefined)).toBeUndefined();
  });
});

describe('requiredKernelOptions', () => {
  const names = (s: Parameters<typeof requiredKernelOptions>[0], c?: string) => requiredKernelOptions(s, c).map((r) => r.option);

  it('always wants initrd, devtmpfs and modules, plus the RD_ option of a compressed image', () => {
    expect(names({ COMPRESS_INITRD: true, COMPRESS_INITRD_TYPE: 'zstd' })).toEqual(['BLK_DEV_INITRD', 'DEVTMPFS', 'MODULES', 'RD_ZSTD']);
    expect(names({ COMPRESS_INITRD: false, COMPRESS_INITRD_TYPE: 'zstd' })).toEqual(['BLK_DEV_INITRD', 'DEVTMPFS', 'MODULES']);
  });

  it('lets the caller say what best/fastest resolved to', () => {
    expect(names({ COMPRESS_INITRD: true, COMPRESS_INITRD_TYPE: 'best' })).toContain('RD_XZ');
    expect(names({ COMPRESS_INITRD: true, COMPRESS_INITRD_TYPE: 'best' }, 'zstd')).toContain('RD_ZSTD');
  });
});
