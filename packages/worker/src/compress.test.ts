import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { describe, expect, it } from 'vitest';
import { decompress } from 'zstd-napi';

import { createCompressor, limitBytes, newLimitState } from './compress.js';

async function collect(chunks: Buffer[], max: number) {
  const state = newLimitState();
  const seen: number[] = [];
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(chunks),
    limitBytes(max, state, (n) => seen.push(n)),
    async (src: AsyncIterable<Buffer>) => {
      for await (const c of src) out.push(c);
    },
  );
  return { state, seen, data: Buffer.concat(out) };
}

describe('limitBytes', () => {
  const chunks = [Buffer.from('0123456789'), Buffer.from('abcdefghij')];
  it.for([
    [Infinity, 20, false],
    [25, 20, false],
    [20, 20, true], // exactly the limit still counts as truncated (no look-ahead)
    [15, 15, true],
    [3, 3, true],
  ] as const)('limit %s passes %i bytes, truncated=%s', async ([max, bytes, truncated]) => {
    const r = await collect(chunks, max);
    expect(r.data.length).toBe(bytes);
    expect(r.state.bytes).toBe(bytes);
    expect(r.state.truncated).toBe(truncated);
    expect(r.seen.at(-1)).toBe(bytes);
  });
  it('remembers the first 16 bytes across chunks', async () => {
    const r = await collect([Buffer.from('\x7fELF'), Buffer.from('0123456789abcdefXYZ')], Infinity);
    expect(r.state.head.toString('latin1')).toBe('\x7fELF0123456789ab');
  });
});

describe('createCompressor', () => {
  it('writes one zstd frame with a checksum', async () => {
    const input = Buffer.alloc(3 * 1024 * 1024, 'core data ');
    const out: Buffer[] = [];
    await pipeline(
      Readable.from([input]),
      createCompressor(),
      async (src: AsyncIterable<Buffer>) => {
        for await (const c of src) out.push(c);
      },
    );
    const frame = Buffer.concat(out);
    expect(frame.readUInt32LE(0)).toBe(0xfd2fb528);
    expect((frame[4] ?? 0) & 0x04).toBe(0x04); // Content_Checksum_flag
    expect(decompress(frame).equals(input)).toBe(true);
  });
});
