import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { GkError } from '../errors.js';
import { kernelTree, makeDirArgs, makeOpts } from './kernel-make.js';

describe('kernel make arguments', () => {
  it('adds O= only when the output dir differs from the sources', () => {
    expect(makeDirArgs(kernelTree({ KERNEL_DIR: '/usr/src/linux', KERNEL_OUTPUTDIR: '' }))).toEqual(['-C', '/usr/src/linux']);
    expect(makeDirArgs(kernelTree({ KERNEL_DIR: '/usr/src/linux', KERNEL_OUTPUTDIR: '/var/tmp/kbuild' }))).toEqual(['-C', '/usr/src/linux', 'O=/var/tmp/kbuild']);
  });

  it('splits MAKEOPTS, defaulting to one job per CPU', () => {
    expect(makeOpts('-j3  -l4')).toEqual(['-j3', '-l4']);
    expect(makeOpts('')).toEqual([`-j${availableParallelism()}`]);
  });

  it('needs a kernel dir', () => {
    expect(() => kernelTree({ KERNEL_DIR: '', KERNEL_OUTPUTDIR: '' })).toThrow(GkError);
  });
});
