import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, chownSync, lchownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeProblem, fixFor, trustedUids, untrustedComponent } from './owner-rule.js';

const NOBODY = 65534;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync('/tmp/gk-owner-rule-');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ROOT_ONLY = trustedUids(0);

describe('the trust rule', () => {
  it('trusts root always, and the invoking user only when that user is not root', () => {
    expect([...trustedUids(0)]).toEqual([0]);
    expect([...trustedUids(1000)].sort()).toEqual([0, 1000]);
  });

  it('accepts root-owned paths below sticky /tmp, and paths that do not exist yet', () => {
    expect(untrustedComponent(dir, ROOT_ONLY)).toBeUndefined();
    expect(untrustedComponent(join(dir, 'not/there/yet'), ROOT_ONLY)).toBeUndefined();
  });

  it('names the first component another user owns, with owner and mode', () => {
    const theirs = join(dir, 'theirs');
    mkdirSync(join(theirs, 'inner'), { recursive: true });
    chownSync(theirs, NOBODY, NOBODY);
    const bad = untrustedComponent(join(theirs, 'inner'), ROOT_ONLY)!;
    expect(bad).toMatchObject({ path: theirs, uid: NOBODY, why: 'owner' });
    expect(describeProblem(bad)).toMatch(/theirs belongs to another user \(owner (nobody \()?uid 65534\)?, mode 0755\)$/);
    // The same dir is fine for nobody itself.
    expect(untrustedComponent(join(theirs, 'inner'), trustedUids(NOBODY))).toBeUndefined();
  });

  it('refuses group- or world-writable components unless they are sticky dirs', () => {
    const open = join(dir, 'open');
    mkdirSync(open);
    chmodSync(open, 0o775);
    expect(describeProblem(untrustedComponent(open, ROOT_ONLY)!)).toMatch(/open is writable by its group \(owner root \(uid 0\), mode 0775\)/);
    chmodSync(open, 0o1777);
    expect(untrustedComponent(open, ROOT_ONLY)).toBeUndefined();
    const file = join(dir, 'conf');
    writeFileSync(file, '');
    chmodSync(file, 0o646);
    expect(untrustedComponent(file, ROOT_ONLY)?.why).toBe('writable');
  });

  it('judges a root-owned device (--config=/dev/null) by its owner only', () => {
    expect(untrustedComponent('/dev/null', ROOT_ONLY)).toBeUndefined();
  });

  it('follows links: a link another user owns fails, and so does a root link into their tree', () => {
    const target = join(dir, 'target');
    mkdirSync(target);
    const link = join(dir, 'their-link');
    symlinkSync(target, link);
    expect(untrustedComponent(link, ROOT_ONLY)).toBeUndefined();
    lchownSync(link, NOBODY, NOBODY);
    expect(untrustedComponent(link, ROOT_ONLY)).toMatchObject({ path: link, why: 'owner' });
    const theirTarget = join(dir, 'their-target');
    mkdirSync(theirTarget);
    chownSync(theirTarget, NOBODY, NOBODY);
    const rootLink = join(dir, 'root-link');
    symlinkSync(theirTarget, rootLink);
    expect(untrustedComponent(rootLink, ROOT_ONLY)).toMatchObject({ path: theirTarget, why: 'owner' });
  });

  it('gives a fix that quotes odd paths for the shell', () => {
    expect(fixFor({ path: "/tmp/it's here", uid: 1, mode: 0o40777, why: 'owner' })).toBe(`chown root: '/tmp/it'\\''s here'; chmod go-w '/tmp/it'\\''s here'`);
  });
});
