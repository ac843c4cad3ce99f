// lzma-native ships no types; these cover the part we use.
declare module 'lzma-native' {
  import type { Transform } from 'node:stream';
  const lzma: {
    CHECK_CRC32: number;
    createCompressor(opts: { preset?: number; check?: number; threads?: number }): Transform;
    createDecompressor(opts?: object): Transform;
    createStream(kind: 'aloneEncoder' | 'aloneDecoder' | 'autoDecoder' | 'easyEncoder', opts?: object): Transform;
    decompress(data: Buffer, cb: (result: Buffer, err?: Error) => void): void;
  };
  export default lzma;
}
