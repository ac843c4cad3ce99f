import { lstatSync, readFileSync, realpathSync, type Stats } from 'node:fs';
import { dirname, isAbsolute, resolve, sep } from 'node:path';

/**
 * The one trust rule. tsgenkernel runs as root and what it writes is the first program of the
 * next boot, so a path the build reads into the image or writes the image through must be
 * controlled by root alone:
 *   - every component is owned by root (or by the invoking user when that user is not root);
 *   - none is writable by group or others, except a sticky directory such as /tmp, whose
 *     entries only their owner can rename or delete (and those entries must pass the rule).
 * Symlinks are followed: the link itself must be owned by a trusted user (sticky dirs let
 * anyone plant one), and the path it leads to is checked the same way.
 */
export interface TrustProblem {
  /** The component that fails the rule. */
  path: string;
  uid: number;
  mode: number;
  why: 'owner' | 'writable';
}

/** Users whose files the build may trust: root, and the invoking user when not root. */
export function trustedUids(uid = process.getuid?.() ?? 0): ReadonlySet<number> {
  return new Set(uid === 0 ? [0] : [0, uid]);
}

function judge(path: string, st: Stats, trusted: ReadonlySet<number>): TrustProblem | undefined {
  if (!trusted.has(st.uid)) return { path, uid: st.uid, mode: st.mode, why: 'owner' };
  // A link's own mode means nothing; a device's (--config=/dev/null) says who may use the device,
  // not who may change what it is.
  if (st.isSymbolicLink() || st.isCharacterDevice()) return undefined;
  const sticky = st.isDirectory() && (st.mode & 0o1000) !== 0;
  if ((st.mode & 0o022) !== 0 && !sticky) return { path, uid: st.uid, mode: st.mode, why: 'writable' };
  return undefined;
}

/** The components of an absolute path, from / down: /, /var, /var/tmp, ... */
function chain(abs: string): string[] {
  const out: string[] = [];
  for (let p = abs; ; p = dirname(p)) {
    out.unshift(p);
    if (dirname(p) === p) return out;
  }
}

/**
 * The first component of `path` (and, through symlinks, of what it leads to) that breaks the
 * rule; undefined when the whole path is trusted. Components that do not exist yet are not
 * judged: `existing` then says how far the path exists, so a caller creating the rest can check again.
 */
export function untrustedComponent(path: string, trusted = trustedUids()): TrustProblem | undefined {
  const abs = resolve(path);
  for (const p of chain(abs)) {
    let st: Stats;
    try {
      st = lstatSync(p);
    } catch {
      return undefined; // the rest does not exist yet
    }
    const bad = judge(p, st, trusted);
    if (bad) return bad;
  }
  // Every link on the way was owned by a trusted user; now the real location it leads to.
  let real: string;
  try {
    real = realpathSync(abs);
  } catch {
    return undefined; // a dangling link or a path not there yet: its caller says so
  }
  if (real === abs) return undefined;
  for (const p of chain(real)) {
    const bad = judge(p, lstatSync(p), trusted);
    if (bad) return bad;
  }
  return undefined;
}

let userNames: Map<number, string> | undefined;

/** `nobody (uid 65534)`; the number alone when /etc/passwd does not name it. */
export function ownerName(uid: number): string {
  if (!userNames) {
    userNames = new Map();
    try {
      for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
        const [name, , id] = line.split(':');
        if (name && id && /^\d+$/.test(id) && !userNames.has(Number(id))) userNames.set(Number(id), name);
      }
    } catch {
      // no passwd file: numbers only
    }
  }
  const name = userNames.get(uid);
  return name ? `${name} (uid ${uid})` : `uid ${uid}`;
}

export function modeText(mode: number): string {
  return '0' + (mode & 0o7777).toString(8).padStart(3, '0');
}

/** "PATH belongs to another user (owner nobody (uid 65534), mode 0755)": what a refusal or warning names. */
export function describeProblem(p: TrustProblem): string {
  const facts = `owner ${ownerName(p.uid)}, mode ${modeText(p.mode)}`;
  if (p.why === 'owner') return `${p.path} belongs to another user (${facts})`;
  return `${p.path} is writable by ${(p.mode & 0o002) !== 0 ? 'others' : 'its group'} (${facts})`;
}

/** The shell that makes `p.path` pass the rule. */
export function fixFor(p: TrustProblem): string {
  const q = /^[A-Za-z0-9_./+-]+$/.test(p.path) ? p.path : `'${p.path.replace(/'/g, `'\\''`)}'`;
  return `chown root: ${q}; chmod go-w ${q}`;
}

/** True when `child` is `parent` or below it (both absolute and normalised). */
export function isInside(child: string, parent: string): boolean {
  if (!isAbsolute(child) || !isAbsolute(parent)) return false;
  return child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);
}
