// cpio-stream ships no types; these cover the part we use.
declare module 'cpio-stream' {
  import type { Readable, Writable } from 'node:stream';
  interface Pack extends Readable {
    entry(header: object, data: Buffer | string, cb: (err?: Error) => void): Writable;
    entry(header: object, cb: (err?: Error) => void): Writable;
    finalize(): void;
    destroy(err?: Error): this;
  }
  interface Extract extends Writable {
    on(event: 'entry', cb: (header: Record<string, unknown>, stream: Readable, next: () => void) => void): this;
    on(event: string, cb: (...args: unknown[]) => void): this;
  }
  const cpio: { pack(opts?: { format?: 'newc' | 'odc' }): Pack; extract(): Extract };
  export default cpio;
}
