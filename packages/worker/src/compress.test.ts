import { describe, expect, it } from 'vitest';
import { decompress } from 'zstd-napi';

import { createCompressor, newLimitState, takeWithinLimit } from './compress.js';

function limit(chunks: Buffer[], max: number) {
  const state = newLimitState();
  const out: Buffer[] = [];
  for (const chunk of chunks) {
    out.push(takeWithinLimit(max, state, chunk));
    if (state.truncated) break;
  }
  return { state, data: Buffer.concat(out) };
}

describe('takeWithinLimit', () => {
  const chunks = [Buffer.from('0123456789'), Buffer.from('abcdefghij')];
  it.for([
    [Infinity, 20, false],
    [25, 20, false],
    [20, 20, true], // exactly the limit still counts as truncated (no look-ahead)
    [15, 15, true],
    [10, 10, true], // flagged at the chunk boundary, before the next read
    [3, 3, true],
  ] as const)('limit %s passes %i bytes, truncated=%s', ([max, bytes, truncated]) => {
    const r = limit(chunks, max);
    expect(r.data.toString()).toBe('0123456789abcdefghij'.slice(0, bytes));
    expect(r.state.bytes).toBe(bytes);
    expect(r.state.truncated).toBe(truncated);
  });
  it('remembers the first 16 bytes across chunks', () => {
    const r = limit([Buffer.from('\x7fELF'), Buffer.from('0123456789abcdefXYZ')], Infinity);
    expect(r.state.head.toString('latin1')).toBe('\x7fELF0123456789ab');
  });
  it('passes a view of the chunk, not a copy', () => {
    const chunk = Buffer.from('0123456789');
    const out = takeWithinLimit(Infinity, newLimitState(), chunk);
    expect(out.buffer).toBe(chunk.buffer);
  });
});

describe('createCompressor', () => {
  const compressAll = (pieces: Buffer[], nbWorkers?: number): Buffer => {
    const out: Buffer[] = [];
    const write = (b: Buffer): void => {
      out.push(Buffer.from(b)); // the output buffer is reused after write returns
    };
    const zstd = createCompressor(nbWorkers);
    for (const p of pieces) zstd.push(p, write);
    zstd.end(write);
    return Buffer.concat(out);
  };

  it.for([0, 1, 2])('writes one zstd frame with a checksum (nbWorkers=%i)', (nbWorkers) => {
    const input = Buffer.alloc(3 * 1024 * 1024, 'core data ');
    const frame = compressAll([input.subarray(0, 1000), input.subarray(1000)], nbWorkers);
    expect(frame.readUInt32LE(0)).toBe(0xfd2fb528);
    expect((frame[4] ?? 0) & 0x04).toBe(0x04); // Content_Checksum_flag
    expect(decompress(frame).equals(input)).toBe(true);
  });
  it('round-trips incompressible input larger than the output buffer, reusing one input buffer', () => {
    const input = Buffer.alloc(5 * 1024 * 1024);
    for (let i = 0; i < input.length; i += 4) input.writeUInt32LE((i * 2654435761) >>> 0, i);
    const buf = Buffer.alloc(1024 * 1024);
    const out: Buffer[] = [];
    const zstd = createCompressor();
    for (let off = 0; off < input.length; off += buf.length) {
      input.copy(buf, 0, off, off + buf.length);
      zstd.push(buf, (b) => out.push(Buffer.from(b)));
    }
    zstd.end((b) => out.push(Buffer.from(b)));
    expect(decompress(Buffer.concat(out)).equals(input)).toBe(true);
  });
  it('an empty core is still one valid frame', () => {
    expect(decompress(compressAll([])).length).toBe(0);
  });
});
