/**
 * The feature contract: a feature's TS file is the one place that names its modules and paths,
 * and its fragment gets them only through the generated conf. These tests read every fragment
 * and fail when it names a module or a path its TS side does not hand it.
 */
import { describe, test, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { defaultsPath } from '../config/settings.js';
import { gkbuildTestContext, removeTestDirs, testDir } from '../gkbuild/test-context.js';
import { FEATURES } from './registry.js';
import { confFileOf, renderConf, shQuote } from './boot-fragment.js';
import type { Feature } from './feature.js';

afterAll(removeTestDirs);

const LIB_DIR = defaultsPath('initrd.lib');
const FRAGMENT_DIR = defaultsPath('initrd.d');
const libFiles = () => readdirSync(LIB_DIR).filter((f) => f.endsWith('.sh')).sort().map((f) => join(LIB_DIR, f));
const withBoot = FEATURES.filter((f): f is Feature & { boot: NonNullable<Feature['boot']> } => f.boot !== undefined);

/** The shell code without comments (whole-line and trailing `# ...`). */
function code(text: string): string {
  return text
    .split('\n')
    .map((l) => l.replace(/(^|\s)#.*$/, ''))
    .join('\n');
}

/** Upper-case names the text assigns (NAME=value, read NAME). */
function assigned(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/(?:^|[\s;({])([A-Z][A-Z0-9_]*)=/g)) names.add(m[1]!);
  for (const m of text.matchAll(/\bread -r ([A-Z][A-Z0-9_]*)/g)) names.add(m[1]!);
  return names;
}

const libCode = () => libFiles().map((f) => code(readFileSync(f, 'utf8'))).join('\n');
const allFragmentCode = () => withBoot.map((f) => code(readFileSync(join(FRAGMENT_DIR, f.boot.file), 'utf8'))).join('\n');
/** Paths of the kernel's API filesystems: not image files, so no feature has to hand them over. */
/** Found before PATH is emptied for the script. */
const DASH = spawnSync('sh', ['-c', 'command -v dash'], { encoding: 'utf8' }).stdout.trim();
const KERNEL_API = /^\/(dev|proc|sys)(\/|$)/;

describe('feature boot fragments', () => {
  test('the conf is quoted for sh: values come back byte for byte', () => {
    const value = `it's "$HOME" \`id\` *; a\\b`;
    const dir = testDir('tsgk-conf-');
    writeFileSync(join(dir, 'x.conf'), renderConf({ A: value, L: ['dm_mod', 'dm crypt'] }));
    const r = spawnSync('dash', ['-c', `. '${join(dir, 'x.conf')}'; printf '%s|%s' "$A" "$L"`], { encoding: 'utf8' });
    expect(r.stdout).toBe(`${value}|dm_mod dm crypt`);
    expect(shQuote("a'b")).toBe(`'a'\\''b'`);
    expect(() => renderConf({ 'bad name': 'x' })).toThrow(/not an upper case shell name/);
  });

  test('every fragment in defaults/initrd.d belongs to a feature, and a shared one is the same object', () => {
    const shipped = readdirSync(FRAGMENT_DIR).filter((f) => f.endsWith('.sh')).sort();
    expect([...new Set(withBoot.map((f) => f.boot.file))].sort()).toEqual(shipped);
    // tpm2 and fido2 share the LUKS token fragment: one definition, so its conf cannot drift.
    for (const file of shipped) expect(new Set(withBoot.filter((f) => f.boot.file === file).map((f) => f.boot)).size).toBe(1);
    for (const f of shipped) expect(f).toMatch(/^\d\d-[a-z0-9-]+\.sh$/);
  });

  describe.each(withBoot.map((f) => [f.name, f] as const))('%s', (_name, feature) => {
    const text = () => code(readFileSync(join(FRAGMENT_DIR, feature.boot.file), 'utf8'));
    const conf = feature.boot.conf();
    const keys = Object.keys(conf);

    test('names no path of its own: only the kernel API (/dev, /proc, /sys); the rest comes from the conf', () => {
      const paths = [...text().matchAll(/(?<![\w$}{.\-/])\/[A-Za-z][\w.\-]*(?:\/[\w.\-*]*)*/g)].map((m) => m[0]);
      expect(paths.filter((p) => !KERNEL_API.test(p))).toEqual([]);
      for (const [k, v] of Object.entries(conf)) {
        if (typeof v === 'string' && v.startsWith('/')) expect(v, k).not.toMatch(KERNEL_API);
      }
    });

    test('loads only the modules its conf hands it, and only modules the feature puts in the image', () => {
      const t = text();
      expect(t).not.toMatch(/\b(modprobe|insmod)\b/);
      const calls = [...t.matchAll(/\bgk_load_(?:feature|named)_modules[ \t]+\S+([^\n]*)/g)];
      for (const [call, args] of calls) {
        for (const arg of args!.trim().split(/\s+/)) {
          expect(arg, call).toMatch(/^\$\{?[A-Z][A-Z0-9_]*\}?$/);
          expect(keys, call).toContain(arg.replace(/[${}]/g, ''));
        }
      }
      const inImage = new Set(feature.modules?.(gkbuildTestContext({ distdir: tmpdir() }).ctx) ?? []);
      for (const k of keys.filter((key) => key.endsWith('_MODULES'))) {
        const list = conf[k]!;
        for (const m of typeof list === 'string' ? list.split(' ') : list) expect(inImage, `${k}: ${m}`).toContain(m);
      }
    });

    test('reads every conf value; reads no upper-case variable nobody sets', () => {
      const t = text();
      for (const k of keys) expect(t, k).toMatch(new RegExp(`\\$\\{?${k}\\b`));
      const lib = libCode();
      const known = new Set([...assigned(lib), ...assigned(allFragmentCode()), ...withBoot.flatMap((f) => Object.keys(f.boot.conf())), 'IFS', 'PATH']);
      const read = [...t.matchAll(/\$\{?([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!);
      expect(read.filter((v) => !known.has(v))).toEqual([]);
      // A conf must not override the init's own settings.
      const libNames = assigned(lib);
      expect(keys.filter((k) => libNames.has(k))).toEqual([]);
    });
  });

  test('sourcing every fragment does no work: it defines and registers, and runs no command', () => {
    const dir = testDir('tsgk-frag-src-');
    const emptyPath = join(dir, 'no-commands');
    mkdirSync(emptyPath);
    const sources: string[] = [];
    // In name order, as /init sources them.
    for (const f of [...withBoot].sort((a, b) => (a.boot.file < b.boot.file ? -1 : 1))) {
      writeFileSync(join(dir, confFileOf(f.boot.file)), renderConf(f.boot.conf()));
      writeFileSync(join(dir, f.boot.file), readFileSync(join(FRAGMENT_DIR, f.boot.file)));
      sources.push(`gk_source_fragment '${join(dir, f.boot.file)}'`);
    }
    const cmdline = 'root=ZFS=rpool/root dozfs dosshd dolvm domdadm dokeymap keymap=de crypt_root=/dev/vdz';
    const script = [
      ...libFiles().map((f) => `. '${f}'`),
      `GK_CMDLINE='${cmdline}'`,
      'gk_set_defaults',
      'gk_parse_cmdline "$GK_CMDLINE"',
      ...sources,
      'echo "pre_root:$gk_hooks_pre_root"',
    ].join('\n');
    // No command can run: PATH holds an empty directory, so any would fail with "not found".
    const r = spawnSync(DASH, ['-c', script], { encoding: 'utf8', env: { PATH: emptyPath } });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('pre_root: md_assemble ssh_pause luks_unlock lvm_activate btrfs_scan zfs_import');
    expect(r.status).toBe(0);
  });
});
