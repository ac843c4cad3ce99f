import { cpSync, createWriteStream, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { BuildContext } from '../context.js';
import { GkError } from '../errors.js';
import { run } from '../exec.js';
import { findHostTool } from '../path-lookup.js';
import { dynamicExecutables } from './elf-static.js';
import type { BuiltTool, Recipe } from './types.js';
import type { UtilsToolchain } from './utils-toolchain.js';

export const CC = 'cc';
export const CFLAGS = '-Os';
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The bash program every recipe runs under. Default phases let a recipe define only what it
 * needs; patches/<pn>/<pv>/*.patch are applied in S between src_unpack and src_prepare. All
 * phases run in one shell so a phase can leave variables for the next. ">>> " lines mark phases
 * for the progress display.
 */
export const DRIVER = `set -euo pipefail
shopt -s nullglob
src_unpack() { tar -xf "$DISTFILE" -C "$WORKDIR"; }
src_prepare() { :; }
src_configure() { :; }
src_compile() { :; }
src_install() { :; }
source "$RECIPE"
cd "$WORKDIR"
echo ">>> src_unpack"
src_unpack
[ -d "$S" ] || { echo "gkbuild: S=$S does not exist after src_unpack" >&2; exit 1; }
cd "$S"
for p in "$PATCHDIR"/*.patch; do
  echo ">>> patch \${p##*/}"
  patch -p1 --batch --forward --no-backup-if-mismatch <"$p"
done
for phase in src_prepare src_configure src_compile src_install; do
  echo ">>> $phase"
  cd "$S"
  "$phase"
done
`;

/** What the cache key records about how recipes run (the driver and the fixed flags). */
export const RUNNER_IDENTITY = JSON.stringify({ DRIVER, CC, CFLAGS, PATH });

export interface BuildInputs {
  recipe: Recipe;
  distfilePath: string;
  /** Installed roots of the recipe's dependencies, merged into BROOT. */
  deps: BuiltTool[];
  config?: string;
  /** Scratch directory for unpacking and compiling; removed after a successful build. */
  workdir: string;
  destdir: string;
  logPath: string;
  /** --utils-*: the compiler, flags and binutils the recipe runs with. */
  toolchain: UtilsToolchain;
}

/** First path component of the tarball's first member: the tree src_unpack creates. */
async function topDirOf(tarball: string): Promise<string> {
  const { stdout } = await run('tar', ['-tf', tarball], { what: `listing ${tarball}` });
  const top = stdout.split('\n')[0]?.replace(/^\.\//, '').split('/')[0];
  if (!top) throw new GkError(`${tarball} is an empty archive`, 'delete it and fetch it again with scripts/fetch-distfiles');
  return top;
}

/**
 * Runs one recipe in a reset environment (only the variables below exist), then checks that
 * every executable it installed is static. Output streams to `logPath` and to the run's log file.
 */
export async function runRecipe(ctx: BuildContext, b: BuildInputs): Promise<void> {
  const { recipe } = b;
  const label = `${recipe.name} ${recipe.version}`;
  rmSync(b.workdir, { recursive: true, force: true });
  const broot = join(b.workdir, 'broot');
  const tmp = join(b.workdir, 'tmp');
  mkdirSync(broot, { recursive: true });
  mkdirSync(tmp);
  for (const dep of b.deps) cpSync(dep.root, broot, { recursive: true, verbatimSymlinks: true });

  // --utils-make: that program is `make` for the recipe, found first on its PATH.
  let path = PATH;
  if (b.toolchain.make) {
    const shim = join(b.workdir, 'utils-make');
    mkdirSync(shim);
    const program = b.toolchain.make.includes('/') ? b.toolchain.make : await findHostTool(b.toolchain.make, PATH.split(':'));
    if (!program) throw new GkError(`--utils-make=${b.toolchain.make} is not in ${PATH}`, 'give its full path, or install it');
    symlinkSync(program, join(shim, 'make'));
    path = `${shim}:${PATH}`;
  }
  const env: Record<string, string> = {
    PATH: path,
    HOME: b.workdir,
    TMPDIR: tmp,
    LC_ALL: 'C',
    TZ: 'UTC',
    PN: recipe.name,
    PV: recipe.version,
    CC: b.toolchain.cc,
    CFLAGS: b.toolchain.cflags,
    ...b.toolchain.env,
    MAKEOPTS: ctx.settings.MAKEOPTS || `-j${availableParallelism()}`,
    WORKDIR: b.workdir,
    S: join(b.workdir, await topDirOf(b.distfilePath)),
    DESTDIR: b.destdir,
    BROOT: broot,
    DISTFILE: b.distfilePath,
    RECIPE: recipe.path,
    PATCHDIR: recipe.patchDir,
  };
  if (b.config !== undefined) {
    env.GK_CONFIG = join(b.workdir, 'gk.config');
    writeFileSync(env.GK_CONFIG, b.config);
  }

  const driver = join(b.workdir, 'gkbuild-driver.sh');
  writeFileSync(driver, DRIVER);
  const logStream = createWriteStream(b.logPath);
  logStream.write(`# ${label}\n# ${Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n# ')}\n`);
  let phase = 'start';
  ctx.log.info(`building ${label} (log: ${b.logPath})`);
  const result = await run('bash', [driver], {
    cwd: b.workdir,
    env,
    extendEnv: false,
    allowFailure: true,
    onLine: (line) => {
      logStream.write(line + '\n');
      if (line.startsWith('>>> ')) {
        phase = line.slice(4);
        ctx.log.info(`${label}: ${phase}`, 3);
      }
      ctx.log.progress(`${label}: ${phase}: ${line}`);
    },
  }).finally(() => new Promise<void>((resolve) => logStream.end(resolve)));
  ctx.log.clearProgress();
  ctx.log.fileOnly(`--- ${label} build output ---\n${result.all}`);

  if (result.exitCode !== 0) {
    const tail = result.all.trimEnd().split('\n').slice(-15).join('\n');
    throw new GkError(
      `building ${label} failed in ${phase} (exit code ${result.exitCode}):\n${tail}`,
      `the full build log is ${b.logPath}`,
    );
  }
  const dynamic = dynamicExecutables(b.destdir);
  if (dynamic.length > 0) {
    throw new GkError(
      `${label} installed executables that are not static: ${dynamic.map((d) => `${d.path} (${d.reason})`).join(', ')}`,
      `the recipe ${recipe.path} must link statically; build log: ${b.logPath}`,
    );
  }
  rmSync(b.workdir, { recursive: true, force: true });
}
