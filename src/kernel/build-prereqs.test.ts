import { describe, expect, it } from 'vitest';
import { buildPrereqs, describePrereq, missingBuildPrereqs } from './build-prereqs.js';
import { KernelConfig } from './kconfig.js';

const names = (ps: { name: string }[]) => ps.map((p) => p.name);

describe('kernel build prerequisites', () => {
  it('always wants the compiler and the minimal tool list', () => {
    expect(names(buildPrereqs('gcc', KernelConfig.parse(''), 'x86_64'))).toEqual(['gcc', 'make', 'bc', 'flex', 'bison', 'perl']);
  });

  it('wants libelf when the config runs objtool, openssl when it signs modules, pahole for BTF', () => {
    const orc = KernelConfig.parse('CONFIG_UNWINDER_ORC=y\n');
    expect(names(buildPrereqs('gcc', orc, 'x86_64'))).toContain('libelf.h');
    const signed = KernelConfig.parse('CONFIG_OBJTOOL=y\nCONFIG_MODULE_SIG=y\nCONFIG_DEBUG_INFO_BTF=y\n');
    expect(names(buildPrereqs('gcc', signed, 'x86_64'))).toEqual(['gcc', 'make', 'bc', 'flex', 'bison', 'perl', 'libelf.h', 'openssl/opensslv.h', 'pahole']);
    const plain = KernelConfig.parse('CONFIG_UNWINDER_FRAME_POINTER=y\n# CONFIG_MODULE_SIG is not set\n');
    expect(names(buildPrereqs('gcc', plain, 'x86_64'))).not.toContain('libelf.h');
  });

  it('assumes objtool for an x86_64 defconfig (its default unwinder is ORC)', () => {
    expect(names(buildPrereqs('gcc', undefined, 'x86_64'))).toContain('libelf.h');
    expect(names(buildPrereqs('gcc', undefined, 'aarch64'))).not.toContain('libelf.h');
  });

  it('finds what the host has and names what it lacks, with both distributions\' packages', async () => {
    // scripts/setup installs the whole list on this machine.
    const all = buildPrereqs('gcc', KernelConfig.parse('CONFIG_OBJTOOL=y\nCONFIG_MODULE_SIG=y\n'), 'x86_64');
    expect(await missingBuildPrereqs(all, 'gcc')).toEqual([]);
    const fake = [{ kind: 'header' as const, name: 'tsgk/no-such-header.h', why: 'a test', debian: 'none', gentoo: 'none' }];
    expect(names(await missingBuildPrereqs(fake, 'gcc'))).toEqual(['tsgk/no-such-header.h']);
    const noCc = await missingBuildPrereqs(buildPrereqs('tsgk-no-such-cc', undefined, 'x86_64'), 'tsgk-no-such-cc');
    expect(names(noCc)).toEqual(['tsgk-no-such-cc', 'libelf.h']);
    expect(describePrereq(all.find((p) => p.name === 'libelf.h')!)).toBe('<libelf.h> (objtool (CONFIG_OBJTOOL)): Debian libelf-dev, Gentoo virtual/libelf');
  });
});
