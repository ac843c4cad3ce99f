import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createRequire } from 'node:module';
import type { Header, Pack } from 'tar-stream';
// Required on use: loading it at start-up costs every build, and only some need it (measured, issue 17).
const tarStreamLib = () => createRequire(import.meta.url)('tar-stream') as typeof import('tar-stream');
import { GkError } from '../errors.js';
import { haveCommand } from '../exec.js';
import { COMPRESSORS, compressStream, zstdFrame, type CompressorChoice, type CompressorName } from '../image/compressors.js';

/** One member of an archive: a file read from disk (or given as bytes), a directory or a symlink. */
export type TarMember =
  | { name: string; type: 'file'; mode: number; source: string; size: number; mtime?: number }
  | { name: string; type: 'file'; mode: number; data: Buffer; mtime?: number }
  | { name: string; type: 'directory'; mode: number; mtime?: number }
  | { name: string; type: 'symlink'; linkname: string; mtime?: number };

/**
 * The archive suffixes genkernel accepts, and the compressor each means. bzip2 has no in-process
 * Node library in package.json, so .tbz2 pipes the host's bzip2 exactly as a bzip2 initramfs
 * does (src/image/compressors.ts): the tar itself is still written here, only the bytes pass
 * through the one bzip2 process; without bzip2 installed it is a one-line refusal.
 */
const SUFFIXES: ReadonlyArray<[string, CompressorName]> = [
  ['.tar.gz', 'gzip'],
  ['.tgz', 'gzip'],
  ['.tar.xz', 'xz'],
  ['.txz', 'xz'],
  ['.tar.zst', 'zstd'],
  ['.tzst', 'zstd'],
  ['.tar.bz2', 'bzip2'],
  ['.tbz2', 'bzip2'],
  ['.tar', 'none'],
];

const SUFFIX_HINT = 'name the archive .tar, .tar.gz, .tar.xz, .tar.zst or .tar.bz2 (.tgz, .txz, .tzst, .tbz2)';

/** The compressor an archive path asks for by its suffix; anything else is the user's to fix. */
export function compressionForPath(path: string): CompressorChoice {
  const lower = path.toLowerCase();
  const hit = SUFFIXES.find(([suffix]) => lower.endsWith(suffix));
  if (!hit) throw new GkError(`archive ${path} has no suffix saying how to compress it`, SUFFIX_HINT);
  const name = hit[1];
  // zstd 3 rather than the initramfs' 9: a module tree of already-compressed .ko files gains
  // almost nothing from the higher level and would take minutes on a small machine.
  const level = name === 'zstd' ? 3 : COMPRESSORS[name].defaultLevel;
  return { name, level };
}

/**
 * The mtime every member gets: SOURCE_DATE_EPOCH when set (reproducible builds), else the
 * member's own. Owners are always root:root and members come in the caller's (sorted) order,
 * so the same inputs and epoch give the same bytes.
 */
export function sourceDateEpoch(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.SOURCE_DATE_EPOCH;
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw new GkError(`SOURCE_DATE_EPOCH='${raw}' is not a number of seconds`, 'set it to a Unix time such as $(git log -1 --format=%ct), or unset it');
  return Number(raw);
}

function headerOf(m: TarMember, epoch: number | undefined): Partial<Header> & { name: string } {
  const mtime = new Date((epoch ?? m.mtime ?? 0) * 1000);
  const owner = { uid: 0, gid: 0, uname: 'root', gname: 'root', mtime };
  switch (m.type) {
    case 'directory':
      return { ...owner, name: m.name.endsWith('/') ? m.name : `${m.name}/`, type: 'directory', mode: m.mode };
    case 'symlink':
      return { ...owner, name: m.name, type: 'symlink', linkname: m.linkname, mode: 0o777 };
    case 'file':
      return { ...owner, name: m.name, type: 'file', mode: m.mode, size: 'data' in m ? m.data.length : m.size };
  }
}

/** The tar stream of `members`, in their order; a file is read from disk as it is packed. */
export function tarStream(members: AsyncIterable<TarMember> | Iterable<TarMember>, epoch: number | undefined): Readable {
  const p = tarStreamLib().pack();
  // Its errors reach the reader through the iterator below; an 'error' event nobody hears would crash.
  p.on('error', () => undefined);
  void (async () => {
    try {
      for await (const m of members) {
        const header = headerOf(m, epoch);
        if (m.type === 'file' && 'source' in m) {
          await packFile(p, header, m.source);
        } else {
          const data = m.type === 'file' ? m.data : Buffer.alloc(0);
          await new Promise<void>((resolve, reject) => p.entry(header, data, (err) => (err ? reject(err) : resolve())));
        }
      }
      p.finalize();
    } catch (err) {
      p.destroy(err as Error);
    }
  })();
  // pack() is a streamx stream; node's pipeline() waits forever for its end, so wrap it in a node Readable.
  return Readable.from(p as AsyncIterable<Buffer>, { objectMode: false });
}

/** One file's bytes into the pack; the entry's callback (not stream events) says it is done. */
function packFile(p: Pack, header: Partial<Header> & { name: string }, source: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const input = createReadStream(source);
    const sink = p.entry(header, (err) => (err ? reject(err) : resolve()));
    sink.on('error', reject);
    input.on('error', (err) => {
      sink.destroy(err);
      reject(err);
    });
    input.pipe(sink as unknown as NodeJS.WritableStream);
  });
}

/**
 * zstd through the whole-buffer binding: the stream is cut into fixed 8 MiB pieces, each one
 * frame. Concatenated frames are one valid .zst; cutting by byte count keeps it reproducible.
 */
class ZstdFrames extends Transform {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  constructor(private readonly level: number, private readonly frameBytes = 8 << 20) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes < this.frameBytes) return done();
    const all = Buffer.concat(this.pending);
    const whole = all.length - (all.length % this.frameBytes);
    this.pending = [all.subarray(whole)];
    this.pendingBytes = all.length - whole;
    void this.frames(all.subarray(0, whole)).then(() => done(), done);
  }
  override _flush(done: TransformCallback): void {
    if (this.pendingBytes === 0) return done();
    void this.frames(Buffer.concat(this.pending)).then(() => done(), done);
  }
  private async frames(data: Buffer): Promise<void> {
    for (let at = 0; at < data.length; at += this.frameBytes) this.push(await zstdFrame(data.subarray(at, at + this.frameBytes), this.level));
  }
}

export interface ArchiveOptions {
  env?: NodeJS.ProcessEnv;
  /** Holds the temp file's path while it is written (the build's scratch paths, removed on an interrupt). */
  scratch?: Set<string>;
}

/**
 * Writes the tar of `members` to `dest`, compressed as its suffix says, all in one stream.
 * The bytes go to `.NAME.tsgk-PID.tmp` beside it (the install temp-name pattern, see
 * src/install/atomic-install.ts), which is fsynced and renamed over `dest`: a reader sees the
 * old archive or the whole new one, and a failure (full disk, unreadable member) removes the
 * temp file and leaves nothing half-written. Returns the archive's size in bytes.
 */
export async function writeTarArchive(dest: string, members: AsyncIterable<TarMember> | Iterable<TarMember>, opts: ArchiveOptions = {}): Promise<number> {
  const choice = compressionForPath(dest);
  const epoch = sourceDateEpoch(opts.env);
  await checkArchiveDir(dest);
  const tmp = join(dirname(dest), `.${basename(dest)}.tsgk-${process.pid}.tmp`);
  opts.scratch?.add(tmp);
  try {
    // 0600: a kernel package carries the initramfs, which may hold keys, and a module or kernel
    // cache is root's build output; root hands it on deliberately (the secrets rule of src/trust).
    const out = createWriteStream(tmp, { mode: 0o600 });
    const closed = new Promise<void>((resolve, reject) => {
      out.on('close', resolve);
      out.on('error', reject);
    });
    closed.catch(() => undefined); // awaited below; a failure before then must not go unhandled
    const tar = tarStream(members, epoch);
    if (choice.name === 'zstd') await pipeline(tar, new ZstdFrames(choice.level), out);
    else {
      await compressStream(choice, tar, out);
      out.end();
    }
    await closed;
    // fsync before the rename: after a power cut the name points at whole data or at the old file.
    const fh = await open(tmp, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, dest);
  } catch (err) {
    await rm(tmp, { force: true });
    throw archiveError(err, dest) ?? err;
  } finally {
    opts.scratch?.delete(tmp);
  }
  return (await stat(dest)).size;
}

/** The archive's directory must exist already: a typo there is caught before any build work. */
export async function checkArchiveDir(dest: string): Promise<void> {
  const tool = COMPRESSORS[compressionForPath(dest).name].tool;
  if (tool && !(await haveCommand(tool))) throw new GkError(`archive ${dest} needs the ${tool} program, which is not installed`, `install ${tool}, or name the archive .tar.xz, .tar.zst or .tar.gz`);
  const dir = dirname(dest);
  const st = await stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) throw new GkError(`cannot write archive ${dest}: directory ${dir} does not exist`, `create ${dir} first, or give the archive another path`);
  const self = await stat(dest).catch(() => undefined);
  if (self?.isDirectory()) throw new GkError(`cannot write archive ${dest}: it is a directory`, 'give the archive a file name, e.g. DIR/kernel.tar.xz');
}

function archiveError(err: unknown, dest: string): GkError | undefined {
  if (err instanceof GkError) return err;
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new GkError(`no space left while writing ${dest}; no partial archive was left`, `free space in ${dirname(dest)}, or write the archive elsewhere`);
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new GkError(`cannot write archive ${dest}: ${e.code}`, `run as root, or give a path in a writable directory`);
    case 'ENOENT':
      return new GkError(`cannot write archive ${dest}: ${e.path ?? 'a path'} does not exist`, 'check the archive path and what goes into it');
    default:
      return undefined;
  }
}
