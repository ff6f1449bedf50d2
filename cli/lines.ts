// Reads a file's lines in order, in large chunks: an export of a million events streams with flat memory.
import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';

export async function* linesOf(path: string, onBytes?: (bytes: number) => void): AsyncGenerator<string[]> {
  let rest = '';
  let bytes = 0;
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    bytes += Buffer.byteLength(chunk as string);
    onBytes?.(bytes);
    const parts = (rest + (chunk as string)).split('\n');
    rest = parts.pop()!;
    yield parts;
  }
  if (rest !== '') yield [rest];
}

/**
 * The file's bytes in large chunks, each ending at a line's end (the last one maybe not), with whether the
 * chunk is valid UTF-8: then each line's bytes are exactly what its text encodes to.
 */
export async function* chunksOf(
  path: string,
  onBytes?: (bytes: number) => void,
): AsyncGenerator<{ chunk: Buffer; utf8: boolean }> {
  let rest: Buffer = Buffer.alloc(0);
  let bytes = 0;
  for await (const read of createReadStream(path, { highWaterMark: 1 << 20 })) {
    bytes += (read as Buffer).length;
    onBytes?.(bytes);
    const joined = rest.length ? Buffer.concat([rest, read as Buffer]) : (read as Buffer);
    const end = joined.lastIndexOf(10) + 1;
    rest = Buffer.from(joined.subarray(end));
    if (end > 0) yield { chunk: joined.subarray(0, end), utf8: isUtf8(joined.subarray(0, end)) };
  }
  if (rest.length) yield { chunk: rest, utf8: isUtf8(rest) };
}
