import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GkError } from '../errors.js';
import { loadModprobeSoftdeps, loadModulesSoftdep, mergeSoftdeps, parseSoftdeps } from './softdep.js';
import { TEST_MODULE_DIR } from '../../test/debian-kernel.js';

describe('softdep', () => {
  it('reads the real modules.softdep: ext4 and jbd2 want crypto-crc32c first', async () => {
    const deps = mergeSoftdeps(await loadModulesSoftdep(TEST_MODULE_DIR), []);
    expect(deps.get('ext4')).toMatchObject({ pre: ['crypto-crc32c'], post: [] });
    expect(deps.get('jbd2')).toMatchObject({ pre: ['crypto-crc32c'], post: [] });
    // "softdep cifs gcm" has no pre:/post:, so modprobe loads nothing for it; neither do we.
    expect(deps.get('cifs')).toMatchObject({ pre: [], post: [] });
  });

  it('reads pre: and post: lists, continuation lines and dashed names', () => {
    const d = parseSoftdeps('# x\noptions a b=1\nsoftdep uhci-hcd pre: ehci-hcd \\\n  foo post: bar baz\n', 'c.conf');
    expect(d).toEqual([{ module: 'uhci_hcd', pre: ['ehci-hcd', 'foo'], post: ['bar', 'baz'], source: 'c.conf:3' }]);
  });

  it('reads the host modprobe.d, /etc overriding a same-named /lib file', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gk-softdep-'));
    mkdirSync(join(root, 'etc'));
    mkdirSync(join(root, 'lib'));
    writeFileSync(join(root, 'lib', 'x.conf'), 'softdep a pre: from-lib\n');
    writeFileSync(join(root, 'etc', 'x.conf'), 'softdep a pre: from-etc\n');
    writeFileSync(join(root, 'lib', 'y.conf'), 'softdep b post: c\n');
    writeFileSync(join(root, 'lib', 'ignored.txt'), 'softdep z pre: q\n');
    const d = await loadModprobeSoftdeps([join(root, 'etc'), join(root, 'lib'), join(root, 'missing')]).finally(() => rmSync(root, { recursive: true }));
    expect(d.map((x) => [x.module, x.pre, x.post])).toEqual([
      ['a', ['from-etc'], []],
      ['b', [], ['c']],
    ]);
    // And the real host directories parse (Debian ships a softdep for uhci-hcd).
    const host = await loadModprobeSoftdeps();
    expect(host.find((x) => x.module === 'uhci_hcd')?.pre).toEqual(['ehci-hcd']);
  });

  it('lets modprobe.d replace what a module declares, and adds up lines of one kind', () => {
    const m = mergeSoftdeps(parseSoftdeps('softdep a pre: x\nsoftdep a pre: y post: z\n', 'm'), parseSoftdeps('softdep a pre: q\n', 'c'));
    expect(m.get('a')).toMatchObject({ pre: ['q'], post: [] });
    const n = mergeSoftdeps(parseSoftdeps('softdep a pre: x\nsoftdep a pre: y post: z\n', 'm'), []);
    expect(n.get('a')).toMatchObject({ pre: ['x', 'y'], post: ['z'] });
  });

  it.each(['softdep', 'softdep pre: x', 'softdep post:'])('refuses %j naming file and line', (bad) => {
    expect(() => parseSoftdeps(`softdep a pre: b\n${bad}\n`, 'f.conf')).toThrow(GkError);
    expect(() => parseSoftdeps(`softdep a pre: b\n${bad}\n`, 'f.conf')).toThrow(/^f.conf:2: softdep without a module name/);
  });
});
