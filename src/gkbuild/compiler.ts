import { run } from '../exec.js';

const identities = new Map<string, Promise<string>>();

/**
 * What the compiler and C library are, for the cache key: a compiler upgrade or a new glibc
 * (whose libc.a is linked into every static tool) must rebuild. Asked once per process.
 */
export function compilerIdentity(cc: string): Promise<string> {
  let id = identities.get(cc);
  if (!id) {
    id = run(cc, ['--version'], { what: `${cc} --version`, hint: 'install a C compiler (build-essential)' }).then((r) => {
      const glibc = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header
        ?.glibcVersionRuntime;
      return `${r.stdout.split('\n')[0]?.trim() ?? ''}; glibc ${glibc ?? 'unknown'}`;
    });
    identities.set(cc, id);
  }
  return id;
}
