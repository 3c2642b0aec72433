// Measures the worker's hot path: a core-sized stream through zstd-napi's
// CompressStream (nbWorkers=1, level 3), fed in pipe-sized chunks, drained to
// a byte counter. Run it with and without --jitless (and under a
// MemoryDenyWriteExecute-like policy) to decide docs/adr/0001: it prints one
// JSON line per run.
//
//   node [--jitless] bench/compress.mjs [MiB] [chunkKiB]
import { readFileSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CompressStream } from 'zstd-napi';

const PAGE = 4096;

/**
 * A deterministic core-like image: per page, 45% zero (untouched heap and
 * stack), 40% copied from the node binary (text and data segments), 15%
 * xorshift noise (heap contents that don't compress).
 */
export function makeCoreLikeBuffer(sizeBytes, sample) {
  const out = Buffer.alloc(sizeBytes);
  let x = 0x9e3779b9;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  const samplePages = Math.max(1, Math.floor(sample.length / PAGE) - 1);
  for (let off = 0; off < sizeBytes; off += PAGE) {
    const pick = next() % 100;
    if (pick < 45) continue;
    if (pick < 85) {
      const src = (next() % samplePages) * PAGE;
      sample.copy(out, off, src, src + PAGE);
    } else {
      for (let i = off; i < off + PAGE && i < sizeBytes; i += 4) out.writeUInt32LE(next(), i);
    }
  }
  return out;
}

async function run() {
  const sizeMiB = Number(process.argv[2] ?? '512');
  const chunkKiB = Number(process.argv[3] ?? '1024');
  const data = makeCoreLikeBuffer(sizeMiB * 1024 * 1024, readFileSync(process.execPath));
  const chunk = chunkKiB * 1024;
  let outBytes = 0;
  const started = process.hrtime.bigint();
  await pipeline(
    Readable.from(
      (function* chunks() {
        for (let off = 0; off < data.length; off += chunk) yield data.subarray(off, off + chunk);
      })(),
    ),
    new CompressStream({ compressionLevel: 3, nbWorkers: 1 }),
    new Writable({
      write(piece, _enc, done) {
        outBytes += piece.length;
        done();
      },
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const line = {
    jitless: process.execArgv.includes('--jitless'),
    sizeMiB,
    chunkKiB,
    seconds: Number(seconds.toFixed(3)),
    mibPerSecond: Number((sizeMiB / seconds).toFixed(1)),
    ratio: Number((data.length / outBytes).toFixed(2)),
    maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

if (process.argv[1]?.endsWith('compress.mjs') === true) {
  run().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
