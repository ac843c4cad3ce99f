import { run } from '../exec.js';

const identities = new Map<string, Promise<string>>();

/**
 * What the compiler and C library are, for the cache key: a compiler upgrade or a new glibc
 * (whose libc.a is linked into every static tool) must rebuild. Asked once per process.
 */
export function compilerIdentity(cc: string): Promise<string> {
  let id = identities.get(cc);
  if (!id) {
    id = Promise.all([run(cc, ['--version'], { what: `${cc} --version`, hint: 'install a C compiler (build-essential)' }), glibcVersion()]).then(
      ([r, glibc]) => `${r.stdout.split('\n')[0]?.trim() ?? ''}; glibc ${glibc ?? 'unknown'}`,
    );
    identities.set(cc, id);
  }
  return id;
}

/**
 * The C library's version ("2.36"). getconf asks glibc itself in a few milliseconds;
 * process.report.getReport() says the same but gathers a whole diagnostic report first
 * (45 ms to 190 ms per build, measured with --cpu-prof), so it is only the fallback.
 */
async function glibcVersion(): Promise<string | undefined> {
  const r = await run('getconf', ['GNU_LIBC_VERSION'], { allowFailure: true }).catch(() => undefined);
  const m = r?.exitCode === 0 ? /^glibc (\S+)$/.exec(r.stdout.trim()) : null;
  if (m) return m[1];
  return (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime;
}
