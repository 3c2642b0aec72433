// The small C programs the bench needs (bench/lib/rusage-wrap.c, and the tests'
// crash program test/fixtures/crashers/alloc.c), compiled with gcc once per
// source version into /tmp/coredump-ts-bench-bin/<hash>/ and readable and
// executable by everyone (a program its user cannot read is not dumpable).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const LIB = fileURLToPath(new URL('.', import.meta.url));
const BUILD_DIR = '/tmp/coredump-ts-bench-bin';

/** Compile the C file at `file` to a binary called <name> (its comm when it crashes). */
export function compile(file, name, flags = ['-O2', '-Wall']) {
  const hash = createHash('sha256')
    .update(readFileSync(file))
    .update(flags.join(' '))
    .digest('hex')
    .slice(0, 16);
  const dir = `${BUILD_DIR}/${hash}`;
  const binary = `${dir}/${name}`;
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  chmodSync(BUILD_DIR, 0o755);
  chmodSync(dir, 0o755);
  const partial = `${binary}.${process.pid}.partial`;
  try {
    execFileSync('gcc', [...flags, '-o', partial, file], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    chmodSync(partial, 0o755);
    renameSync(partial, binary);
  } finally {
    rmSync(partial, { force: true });
  }
  return binary;
}

export const rusageWrap = () => compile(`${LIB}rusage-wrap.c`, 'rusage-wrap');
/** alloc.c run as `cdts-crash <MiB> touch|random cue`: fill, print pid, wait for a byte, crash. */
export const crashOnCue = () =>
  compile(
    fileURLToPath(new URL('../../test/fixtures/crashers/alloc.c', import.meta.url)),
    'cdts-crash',
  );

/**
 * Read what rusage-wrap wrote for each child started with prefix `<dir>/<name>`:
 * { pid, startNs, endNs, wallMs, cpuMs, userMs, sysMs, maxRssKiB, writeBytes,
 *   cancelledWriteBytes, rchar, status }.
 */
export function readRusage(path) {
  const [start, end, user, sys, rss, wb, cwb, rchar, status] = readFileSync(path, 'utf8')
    .trim()
    .split(' ');
  const startNs = BigInt(start);
  const endNs = BigInt(end);
  return {
    pid: Number(path.slice(path.lastIndexOf('.') + 1)),
    startNs,
    endNs,
    wallMs: Number(endNs - startNs) / 1e6,
    userMs: Number(user) / 1e3,
    sysMs: Number(sys) / 1e3,
    cpuMs: (Number(user) + Number(sys)) / 1e3,
    maxRssKiB: Number(rss),
    writeBytes: Number(wb),
    cancelledWriteBytes: Number(cwb),
    rchar: Number(rchar),
    status: Number(status),
  };
}
