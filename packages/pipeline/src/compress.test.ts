import { describe, expect, it } from 'vitest';
import { decompress } from 'zstd-napi';
import zstd from 'zstd-napi/binding.js';

import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createCompressor, warmCompressor, ZSTD_C_BLOCK_SPLITTER_LEVEL } from './compress.js';
import { HeadObserver, streamCore, warmReadBuffer, type CoreObserver } from './stream.js';

/** Streams `content` from a file through the stages; what the sink and an observer saw. */
function stream(content: string, max: number, head?: string) {
  const dir = mkdtempSync(join(tmpdir(), 'stream-'));
  const path = join(dir, 'core');
  writeFileSync(path, content);
  const fd = openSync(path, 'r');
  const seen: { chunk: string; offset: number }[] = [];
  let ended: unknown;
  const watch: CoreObserver = {
    observe: (chunk, offset) => seen.push({ chunk: chunk.toString(), offset }),
    end: (info) => {
      ended = info;
    },
  };
  const out: Buffer[] = [];
  try {
    const state = streamCore(fd, {
      maxBytes: max,
      head: head === undefined ? undefined : Buffer.from(head),
      observers: [watch],
      sink: (b) => out.push(Buffer.from(b)),
    });
    return { state, data: Buffer.concat(out).toString(), seen, ended };
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('streamCore', () => {
  const core = '0123456789abcdefghij';
  it.for([
    [Infinity, 20, false],
    [25, 20, false],
    [20, 20, true], // exactly the limit still counts as truncated (no look-ahead)
    [15, 15, true],
    [3, 3, true],
    [0, 0, true],
  ] as const)('limit %s passes %i bytes, truncated=%s', ([max, bytes, truncated]) => {
    const r = stream(core, max);
    expect(r.data).toBe(core.slice(0, bytes));
    expect(r.state).toEqual({ bytes, truncated });
    expect(r.ended).toEqual({ bytes, truncated });
    expect(r.seen.map((s) => s.chunk).join('')).toBe(core.slice(0, bytes));
  });
  it.for([
    [Infinity, 20, false],
    [20, 20, true],
    [12, 12, true],
    [5, 5, true], // the limit falls inside the head: the fd is not read
    [0, 0, true],
  ] as const)(
    'a head already read goes first; limit %s passes %i bytes, truncated=%s',
    ([max, bytes, truncated]) => {
      const r = stream(core.slice(8), max, core.slice(0, 8));
      expect(r.data).toBe(core.slice(0, bytes));
      expect(r.state).toEqual({ bytes, truncated });
      expect(r.seen.map((s) => s.chunk).join('')).toBe(core.slice(0, bytes));
      expect(r.seen.map((s) => s.offset)).toEqual(bytes === 0 ? [] : bytes <= 8 ? [0] : [0, 8]);
    },
  );
  it('gives observers the offset of each chunk across reads larger than the buffer', () => {
    const big = 'x'.repeat(2.5 * 1024 * 1024);
    const r = stream(big, Infinity);
    expect(r.seen.map((s) => s.offset)).toEqual([0, 1024 * 1024, 2 * 1024 * 1024]);
    expect(r.state).toEqual({ bytes: big.length, truncated: false });
  });
});

describe('HeadObserver', () => {
  it('remembers the first 16 bytes across chunks, copied out of the reused buffer', () => {
    const head = new HeadObserver(16);
    const buf = Buffer.from('\x7fELF', 'latin1');
    head.observe(buf, 0);
    buf.fill(0);
    head.observe(Buffer.from('0123456789abcdefXYZ'), 4);
    head.observe(Buffer.from('later'), 23);
    expect(head.head.toString('latin1')).toBe('\x7fELF0123456789ab');
  });
  it('is shorter for a shorter core', () => {
    const head = new HeadObserver(16);
    head.observe(Buffer.from('abc'), 0);
    expect(head.head.toString()).toBe('abc');
  });
});

describe('createCompressor', () => {
  it("the bundled libzstd takes the block splitter setting (the compressor's try/catch is for others)", () => {
    const cctx = new zstd.CCtx();
    expect(() => {
      cctx.setParameter(ZSTD_C_BLOCK_SPLITTER_LEVEL, 1);
    }).not.toThrow();
    expect(() => {
      cctx.setParameter(ZSTD_C_BLOCK_SPLITTER_LEVEL, 99);
    }).toThrow();
  });

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

describe('warmed ahead (a socket-mode worker waiting for its crash)', () => {
  const compressAll = (input: Buffer): Buffer => {
    const out: Buffer[] = [];
    const c = createCompressor();
    const sink = (b: Buffer): void => {
      out.push(Buffer.from(b));
    };
    c.push(input, sink);
    c.end(sink);
    return Buffer.concat(out);
  };
  // Frame header descriptor (byte 4): bit 2 = content checksum.
  const hasChecksum = (frame: Buffer): boolean => ((frame[4] ?? 0) & 0x04) !== 0;

  it('the warmed zstd context gives the same frame as a fresh one, once, then fresh ones again', () => {
    const input = Buffer.from('warm '.repeat(300_000));
    const fresh = compressAll(input);
    warmCompressor();
    const warmed = compressAll(input); // takes the warmed context
    const after = compressAll(input); // a fresh one again
    expect(warmed).toEqual(fresh);
    expect(after).toEqual(fresh);
    expect(hasChecksum(warmed)).toBe(true);
    expect(decompress(warmed)).toEqual(input);
  });

  it('the warmed read buffer serves one streamCore, which reads what a fresh buffer reads', () => {
    warmReadBuffer();
    const big = 'y'.repeat(1.5 * 1024 * 1024);
    const first = stream(big, Infinity);
    const second = stream(big, Infinity);
    expect(first.data).toBe(big);
    expect(second.data).toBe(big);
    expect(first.seen.map((s) => s.offset)).toEqual([0, 1024 * 1024]);
  });

  it('a warmed read buffer larger than the limit reads no further than the limit', () => {
    warmReadBuffer();
    const r = stream('0123456789', 4);
    expect(r.data).toBe('0123');
    expect(r.state).toEqual({ bytes: 4, truncated: true });
  });
});
