import { GkError } from '../errors.js';
import { describeProblem, fixFor, untrustedComponent } from './owner-rule.js';

/**
 * The paths the build cannot work without trusting, checked before any work: a refusal names
 * the component, its owner and its mode, and the way out. Nothing has been written when it fires.
 */
export interface BuildPaths {
  tmpdir: string;
  cachedir: string;
  distdir: string;
}

/** Throws when `path` (or a parent, or where a link leads) fails the trust rule. */
export function requireTrusted(path: string, what: string, otherWay?: string): void {
  const bad = untrustedComponent(path);
  if (!bad) return;
  const on = bad.path === path ? '' : ` (on the way to ${path})`;
  throw new GkError(
    `refusing the ${what}: ${describeProblem(bad)}${on}, so another user could change what root builds`,
    `${fixFor(bad)}${otherWay ? `, or ${otherWay}` : ''}`,
  );
}

/**
 * The temp dir and its parents (the part that exists: the rest is created by root after this),
 * the cache dir (cached tools go into the image as they are), the distfiles dir (a checksum
 * protects a tarball's content, not a swap after the check). The conf file is judged before
 * it is read, by its reader.
 */
export function requireTrustedBuildPaths(p: BuildPaths): void {
  requireTrusted(p.tmpdir, 'temp dir', 'pass another --tmpdir=DIR');
  requireTrusted(p.cachedir, 'cache dir', 'pass another --cachedir=DIR');
  requireTrusted(p.distdir, 'distfiles dir', 'pass another --distdir=DIR');
}
