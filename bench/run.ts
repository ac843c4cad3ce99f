/**
 * `npm run bench` (node dist/bench/run.js): tsgenkernel side by side with Debian's mkinitramfs
 * and dracut on one kernel, one machine, one run of this script. Not a test: it prints markdown
 * tables and writes them to bench/results/<date>.md.
 *
 *   --runs=N        timed builds per tool and kind (median reported; default 5)
 *   --boots=N       QEMU boots per image (default 3)
 *   --only=a,b      sections: compare, floor, stages, boot, rebuild, scale, levels, segments, modules, rss,
 *                   kernel, distro (default all; kernel reports what the kernel suite last measured,
 *                   see bench/kernel.ts)
 *   --no-warmup     skip the warm-up (module tree read into the page cache, one untimed build of ours)
 *
 * TSGK_BENCH_WORK (default /var/tmp/tsgk-bench) holds the outputs; TSGK_BENCH_CACHEDIR /
 * TSGK_BENCH_DISTDIR default to the boot fixture's, so the static tools are built once for both.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootFixture, REPO, KV } from '../test/boot/fixture.js';
import { ensureDist } from '../test/boot/build-image.js';
import { COMPRESSORS } from '../src/image/compressors.js';
import { measureOk, median, type Measured } from './measure.js';
import { imageFacts, type ImageFacts } from './image-facts.js';
import { ours, mkinitramfs, dracut, tinyInitramfs, type Invocation, type Kind, type OursSetup } from './tools.js';
import { startupSplit } from './stage-times.js';
import { scaleSection } from './scale-section.js';
import { floorOf } from './floor.js';
import { bootTimes, type BootTimes } from './boot.js';
import { stageLines } from './stage-times.js';
import { benchRootDisk } from './root-disk.js';
import { levelRows, segmentRows, rawStream, LEVEL_CHOICES } from './compression.js';
import { hostFacts, kibToMib, load, mib, ratio, secs, table } from './report.js';
import { kernelSection } from './kernel.js';
import { distroSection } from './distro.js';

interface Args {
  runs: number;
  boots: number;
  only: Set<string>;
  warmup: boolean;
}

const SECTIONS = ['compare', 'floor', 'stages', 'boot', 'rebuild', 'scale', 'levels', 'segments', 'modules', 'rss', 'kernel', 'distro'];

function parseArgs(argv: string[]): Args {
  const a: Args = { runs: 5, boots: 3, only: new Set(SECTIONS), warmup: true };
  for (const arg of argv) {
    const [k, v] = arg.split('=', 2) as [string, string | undefined];
    if (k === '--runs') a.runs = Number(v);
    else if (k === '--boots') a.boots = Number(v);
    else if (k === '--only') a.only = new Set((v ?? '').split(','));
    else if (k === '--no-warmup') a.warmup = false;
    else throw new Error(`unknown argument ${arg} (see the top of bench/run.ts)`);
  }
  for (const s of a.only) if (!SECTIONS.includes(s)) throw new Error(`unknown section ${s}; one of ${SECTIONS.join(', ')}`);
  return a;
}

interface Series {
  inv: Invocation;
  runs: Measured[];
  facts?: ImageFacts;
  image?: string;
}

/** Runs the invocations round-robin (so load drift hits every tool alike), `runs` times each. */
async function series(invs: Invocation[], runs: number, warmup: boolean, keepDir: string, label: string): Promise<Series[]> {
  const out: Series[] = invs.map((inv) => ({ inv, runs: [] }));
  if (warmup) {
    // Page cache: every tool reads the same module tree, so read it once before any timing.
    // Ours: one untimed build, which also fills the static tool cache if it is cold.
    execFileSync('sh', ['-c', 'find "$1" -type f -print0 | xargs -0 cat > /dev/null', 'sh', `/lib/modules/${KV}`]);
    for (const s of out.filter((x) => x.inv.tool === 'tsgenkernel')) {
      s.inv.reset();
      await measureOk(`${s.inv.tool} (${label}, warm-up)`, s.inv.cmd, s.inv.args, { env: s.inv.env, timeoutMs: 1_800_000 });
    }
  }
  for (let round = 0; round < runs; round++) {
    for (const s of out) {
      s.inv.reset();
      const m = await measureOk(`${s.inv.tool} (${label})`, s.inv.cmd, s.inv.args, { env: s.inv.env, timeoutMs: 900_000 });
      process.stderr.write(`  ${label} ${s.inv.tool} round ${round + 1}/${runs}: ${secs(m.wallMs)} s, tree ${kibToMib(m.peakTreeKiB)} MiB\n`);
      s.runs.push(m);
    }
  }
  for (const s of out) {
    const kept = join(keepDir, `${label}-${s.inv.tool}.img`);
    copyFileSync(s.inv.image(), kept);
    s.image = kept;
    s.facts = await imageFacts(kept);
  }
  return out;
}

const wall = (s: Series) => median(s.runs.map((m) => m.wallMs));
const tree = (s: Series) => Math.max(...s.runs.map((m) => m.peakTreeKiB));
const proc = (s: Series) => Math.max(...s.runs.map((m) => m.maxProcessKiB));
const spread = (s: Series) => `${secs(Math.min(...s.runs.map((m) => m.wallMs)), 1)}–${secs(Math.max(...s.runs.map((m) => m.wallMs)), 1)}`;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  ensureDist();
  const fx = bootFixture();
  const fixtureBase = join(fx.scratch, '..');
  const work = process.env.TSGK_BENCH_WORK ?? '/var/tmp/tsgk-bench';
  const images = join(work, 'images');
  mkdirSync(images, { recursive: true });
  const setup: OursSetup = {
    repo: REPO,
    kv: KV,
    work,
    cachedir: process.env.TSGK_BENCH_CACHEDIR ?? join(fixtureBase, 'cachedir'),
    // The tool's own default distdir, where scripts/fetch-distfiles puts the tarballs.
    distdir: process.env.TSGK_BENCH_DISTDIR ?? '/var/cache/tsgenkernel/distfiles',
  };
  const rootDisk = benchRootDisk(work);
  const zstdLevel = COMPRESSORS.zstd.defaultLevel;
  const started = new Date();
  const resultsDir = join(REPO, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  // <date>.md; a second run the same day gets <date>-2.md and so on, so no run is lost.
  const day = started.toISOString().slice(0, 10);
  let resultsFile = join(resultsDir, `${day}.md`);
  for (let n = 2; existsSync(resultsFile); n++) resultsFile = join(resultsDir, `${day}-${n}.md`);
  const emit = (text: string) => {
    process.stdout.write(text + '\n');
    appendFileSync(resultsFile, text + '\n');
  };
  writeFileSync(resultsFile, '');
  emit(`# tsgenkernel benchmark, ${started.toISOString()}\n`);
  for (const l of hostFacts(KV)) emit(`- ${l}`);
  emit(`- ${args.runs} timed runs per cell (median), ${args.warmup ? 'after reading the module tree into the page cache and one untimed build of ours' : 'no warm-up'}; ${args.boots} boots per image`);
  emit(`- peak tree RSS: summed RSS of the whole process tree sampled from /proc every 25 ms; max process: GNU time %M`);
  emit(`- each tool keeps its own default compression: tsgenkernel zstd -${zstdLevel}, mkinitramfs zstd -9 (initramfs.conf), dracut gzip -9`);

  const compared = new Map<Kind, Series[]>();
  const wantCompare = ['compare', 'floor', 'stages', 'boot'].some((s) => args.only.has(s));
  if (wantCompare) {
    for (const kind of ['minimal', 'generic'] as Kind[]) {
      const before = load();
      // tiny-initramfs mounts a plain root and nothing else: the anchor of the minimal row only.
      const anchor = kind === 'minimal' ? [tinyInitramfs(work, KV)] : [];
      const got = await series([ours(setup, kind, kind), mkinitramfs(work, KV, kind), dracut(work, KV, kind), ...anchor], args.runs, args.warmup, images, kind);
      compared.set(kind, got);
      if (!args.only.has('compare')) continue;
      const mine = got[0]!;
      const rows = got.map((s) => [
        kind,
        s.inv.tool,
        secs(wall(s)),
        spread(s),
        kibToMib(tree(s)),
        kibToMib(proc(s)),
        mib(s.facts!.compressedBytes, 2),
        mib(s.facts!.uncompressedBytes, 1),
        String(s.facts!.modules),
        s === mine ? '—' : ratio(wall(mine), wall(s)),
        s === mine ? '—' : ratio(mine.facts!.compressedBytes, s.facts!.compressedBytes),
      ]);
      emit(`\n## Side by side: ${kind} (${before} before, ${load()} after)\n`);
      emit(table(['kind', 'tool', 'wall s (median)', 'min–max s', 'peak tree RSS MiB', 'max process MiB', 'image MiB', 'unpacked MiB', 'modules', 'ours/theirs time', 'ours/theirs size'], rows));
    }
  }

  if (args.only.has('floor') && compared.size) {
    const rows: string[][] = [];
    const before = load();
    for (const [kind, got] of compared) {
      const mine = got[0]!;
      const floors = await floorOf(mine.image!, join(work, 'floor', kind), zstdLevel, args.runs);
      for (const f of floors) {
        rows.push([kind, `find | sort | cpio | zstd -${zstdLevel} -T${f.threads}`, secs(f.wallMs), mib(f.bytes, 2), secs(wall(mine)), mib(mine.facts!.compressedBytes, 2), ratio(wall(mine), f.wallMs), ratio(mine.facts!.compressedBytes, f.bytes)]);
      }
    }
    emit(`\n## Floor: the same staged files through the stock tools (${before} before, ${load()} after)\n`);
    emit(table(['kind', 'floor command', 'floor s', 'floor MiB', 'ours s', 'ours MiB', 'ours/floor time', 'ours/floor size'], rows));
  }

  if (args.only.has('stages') && compared.size) {
    const names: string[] = [];
    const perKind = new Map<Kind, Map<string, number[]>>();
    for (const [kind, got] of compared) {
      const m = new Map<string, number[]>();
      for (const run of got[0]!.runs) {
        for (const st of stageLines(run.stdout + '\n' + run.stderr)) {
          if (!names.includes(st.name)) names.push(st.name);
          m.set(st.name, [...(m.get(st.name) ?? []), st.ms]);
        }
      }
      perKind.set(kind, m);
    }
    const kinds = [...perKind.keys()];
    const rows = names.map((n) => [n, ...kinds.map((k) => {
      const xs = perKind.get(k)!.get(n);
      return xs ? secs(median(xs)) : '—';
    })]);
    rows.push(['**wall (whole command)**', ...kinds.map((k) => secs(wall(compared.get(k)![0]!)))]);
    // The whole command split: process start to the first stage, the stages, and the rest (exit).
    const split = kinds.map((k) => compared.get(k)![0]!.runs.map((r) => startupSplit(r.stdout + '\n' + r.stderr, r.wallMs)));
    for (const [label, pick] of [['start-up (process start → first stage)', 'startupMs'], ['stages (sum)', 'stagesMs'], ['exit and launcher (the rest)', 'restMs']] as const) {
      rows.push([`**${label}**`, ...split.map((xs) => (xs.every((x) => x) ? secs(median(xs.map((x) => x![pick]))) : '—'))]);
    }
    emit(`\n## Where our time goes (median per stage, --loglevel=2)\n`);
    emit(table(['stage', ...kinds.map((k) => `${k} s`)], rows));
  }

  if (args.only.has('boot') && compared.size) {
    const before = load();
    const rows: string[][] = [];
    const failures: string[] = [];
    for (const [kind, got] of compared) {
      const mineBoot = await bootTimes(fx.kernel, got[0]!.image!, rootDisk, args.boots);
      for (const s of got) {
        const b: BootTimes = s === got[0] ? mineBoot : await bootTimes(fx.kernel, s.image!, rootDisk, args.boots);
        rows.push([
          kind,
          s.inv.tool,
          b.reached ? secs(b.medianMs) : 'no root',
          b.all.map((x) => secs(x, 1)).join(', '),
          `${b.reached}/${b.tries}`,
          s === got[0] ? '—' : ratio(mineBoot.medianMs, b.medianMs),
          Number.isNaN(b.shareMedianMs) ? '—' : secs(b.shareMedianMs, 3),
          b.shares.map((x) => secs(x, 3)).join(', '),
          s === got[0] || Number.isNaN(b.shareMedianMs) ? '—' : ratio(mineBoot.shareMedianMs, b.shareMedianMs),
        ]);
        if (b.failure) failures.push(`${kind} ${s.inv.tool}:\n\n\`\`\`\n${b.failure}\n\`\`\``);
      }
    }
    emit(`\n## Boot: QEMU (TCG) start to the root's sentinel, and the initramfs's share on the guest's clock, root=/dev/vda (${before} before, ${load()} after)\n`);
    emit('The share: kernel printk time of "Run /init as init process" to the root init\'s first line (/proc/uptime); host load and QEMU start-up are outside it.\n');
    emit(table(['kind', 'tool', 'to sentinel median s', 'each s', 'reached root', 'ours/theirs', 'init share median s', 'each share s', 'share ours/theirs'], rows));
    for (const f of failures) emit(`\n${f}`);
  }

  if (args.only.has('rebuild')) {
    // A rebuild: the segment cache of the previous run is kept, nothing else changed.
    const before = load();
    const rows: string[][] = [];
    for (const kind of ['minimal', 'generic'] as Kind[]) {
      const cold = ours(setup, kind, `rebuild-${kind}`);
      const warm = ours({ ...setup, keepSegments: true }, kind, `rebuild-${kind}`);
      const times: Array<[number, number]> = [];
      let identical = true;
      for (let i = 0; i < args.runs; i++) {
        cold.reset();
        const first = await measureOk('first build', cold.cmd, cold.args, { env: cold.env });
        const firstBytes = readFileSync(cold.image());
        warm.reset();
        const again = await measureOk('rebuild', warm.cmd, warm.args, { env: warm.env });
        identical &&= readFileSync(warm.image()).equals(firstBytes);
        times.push([first.wallMs, again.wallMs]);
      }
      const a = median(times.map((t) => t[0]));
      const b = median(times.map((t) => t[1]));
      rows.push([kind, secs(a), secs(b), ratio(b, a), identical ? 'yes' : '**no**']);
    }
    emit(`\n## Rebuild with unchanged inputs: compressed segments from the cache (${args.runs} pairs, median; ${before} before, ${load()} after)\n`);
    emit(table(['kind', 'first build s', 'rebuild s', 'rebuild/first', 'byte-identical'], rows));
  }

  if (args.only.has('scale')) {
    const before = load();
    const { rows, svg } = await scaleSection(setup, work, images, Math.max(1, Math.min(3, args.runs)));
    const svgFile = resultsFile.replace(/\.md$/, '-scale.svg');
    writeFileSync(svgFile, svg);
    emit(`\n## Scale: build time, peak RSS and image size against the module count (${before} before, ${load()} after)\n`);
    emit(table(['modules asked', 'tool', 'modules in image', 'wall s (median)', 'peak tree RSS MiB', 'image MiB', 'under 200 MB'], rows));
    emit(`\n![build time and image size against the module count](${svgFile.split('/').pop()})`);
  }

  if (args.only.has('modules')) {
    const before = load();
    const zsetup: OursSetup = { ...setup, modulesPrefix: fx.zstdModulesPrefix, kernelConfig: fx.zstdConfig };
    const rows: string[][] = [];
    for (const kind of ['generic', 'minimal'] as Kind[]) {
      const got = await series(
        [ours(zsetup, kind, `zst-${kind}-decompressed`), ours(zsetup, kind, `zst-${kind}-kept`, ['--no-decompress-modules'])],
        Math.max(1, Math.min(3, args.runs)),
        false,
        images,
        `zst-${kind}`,
      );
      const labels = ['decompressed (.ko)', 'kept (.ko.zst)'];
      for (const [i, s] of got.entries()) {
        const b = await bootTimes(fx.kernel, s.image!, rootDisk, args.boots);
        rows.push([kind, labels[i]!, secs(wall(s)), mib(s.facts!.compressedBytes, 2), mib(s.facts!.uncompressedBytes, 1), String(s.facts!.modules), b.reached ? secs(b.medianMs) : 'no root', `${b.reached}/${b.tries}`]);
      }
    }
    emit(`\n## Modules stored decompressed vs kept .ko.zst (the boot fixture's .ko.zst tree; ${before} before, ${load()} after)\n`);
    emit(table(['kind', 'modules in image', 'build wall s', 'image MiB', 'unpacked MiB', 'modules', 'boot median s', 'reached root'], rows));
  }

  if (args.only.has('rss')) {
    const before = load();
    const rows: string[][] = [];
    const trees: Array<[string, OursSetup, string[]]> = [
      ['/lib/modules (.ko)', setup, []],
      ['fixture .ko.zst, decompressed', { ...setup, modulesPrefix: fx.zstdModulesPrefix, kernelConfig: fx.zstdConfig }, []],
      ['fixture .ko.zst, kept', { ...setup, modulesPrefix: fx.zstdModulesPrefix, kernelConfig: fx.zstdConfig }, ['--no-decompress-modules']],
    ];
    for (const [i, [label, st, extra]] of trees.entries()) {
      const s = (await series([ours(st, 'generic', `all-${i}`, ['--all-ramdisk-modules', ...extra])], Math.max(1, Math.min(3, args.runs)), false, images, `all-${i}`))[0]!;
      rows.push([label, secs(wall(s)), kibToMib(tree(s)), kibToMib(proc(s)), String(s.facts!.modules), mib(s.facts!.compressedBytes, 1), mib(s.facts!.uncompressedBytes, 1), tree(s) < 200 * 1024 ? 'yes' : '**no**']);
    }
    emit(`\n## Memory with --all-ramdisk-modules (limit: 200 MB; ${before} before, ${load()} after)\n`);
    emit(table(['module tree', 'wall s', 'peak tree RSS MiB', 'max process MiB', 'modules', 'image MiB', 'unpacked MiB', 'under 200 MB'], rows));
  }

  if (args.only.has('kernel')) emit(kernelSection());

  if (args.only.has('levels') || args.only.has('segments')) {
    // The uncompressed stream of our generic image, from this run's image or a fresh build.
    const generic = compared.get('generic')?.[0]?.image ?? (await series([ours(setup, 'generic', 'generic')], 1, false, images, 'generic'))[0]!.image!;
    const raw = join(work, 'generic.cpio');
    const rawBytes = rawStream(generic, raw);
    if (args.only.has('levels')) {
      let before = load();
      const rows = await levelRows(raw, join(work, 'levels'), 1);
      emit(`\n## Compression level: speed against size (${mib(rawBytes)} MiB, the uncompressed stream of our generic image; libraries as the image writer uses them, one run each; ${before} before, ${load()} after)\n`);
      emit(table(['compressor', 'compress s', 'image MiB', 'ratio', 'MB/s in', 'decompress s (CLI, 1 thread)', 'peak RSS MiB'], rows));
      // The same choices end to end through the CLI: what a user sees today.
      before = load();
      const cli: string[][] = [];
      for (const [type, level] of LEVEL_CHOICES) {
        const inv = ours(setup, 'generic', `level-${type}-${level}`, [`--compress-initramfs-type=${type}`, `--compress-level=${level}`]);
        const s = (await series([inv], 1, false, images, `level-${type}-${level}`))[0]!;
        cli.push([`${type} -${level}`, secs(wall(s)), mib(s.facts!.compressedBytes, 2), kibToMib(tree(s))]);
      }
      emit(`\n## The same levels through \`tsgenkernel initramfs --compress-initramfs-type=T --compress-level=L\` (one run each; ${before} before, ${load()} after)\n`);
      emit(table(['compressor', 'build wall s', 'image MiB', 'peak tree RSS MiB'], cli));
    }
    if (args.only.has('segments')) {
      const before = load();
      const rows = await segmentRows(raw, join(work, 'segments'), zstdLevel, Math.max(1, Math.min(3, args.runs)));
      emit(`\n## zstd -${zstdLevel} segment size (two segments in flight, as write-image.ts does; ${before} before, ${load()} after)\n`);
      emit(table(['segment', 'compress s', 'image MiB', 'peak RSS MiB'], rows));
    }
  }

  // Real Debian systems to multi-user (bench/distro.ts; debootstraps its root on first use).
  if (args.only.has('distro')) emit(await distroSection(fx, setup, args.boots));

  emit(`\n_finished ${new Date().toISOString()}, ${load()}_`);
  process.stderr.write(`results: ${resultsFile}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
