// `coredump-ts exporter [--listen=HOST:PORT] [--directory=DIR]`: serve
// /metrics until SIGTERM/SIGINT. Socket-activated (LISTEN_FDS, the
// coredump-ts-exporter.socket unit) it serves the passed socket instead.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { directoryJournalFiles, localJournalFiles } from '@coredump-ts/journal/read';

import { CoredumpCollector } from './collector.js';
import { CoredumpMetrics, type StorageUsage } from './metrics.js';
import { createExporterServer, parseListen } from './server.js';

/** The port coredump-exporter has always been scraped on. */
export const DEFAULT_PORT = 9113;
const SD_LISTEN_FDS_START = 3;

export const EXPORTER_USAGE = `Usage: coredump-ts exporter [--listen=HOST:PORT] [--directory=DIR]

Serves Prometheus metrics about coredumps on http://HOST:PORT/metrics
(default :${String(DEFAULT_PORT)}, every address), read from the local journal or
the journal files in DIR.
`;

export interface ExporterCliDeps {
  readonly env: NodeJS.ProcessEnv;
  readonly log: (line: string) => void;
  /** The systemd-coredump user's uid, for the trust policy. */
  readonly coredumpUid: number | undefined;
  readonly storage?: () => StorageUsage | undefined;
  /** Resolves when the exporter should stop (SIGTERM/SIGINT in main). */
  readonly stopped: Promise<void>;
}

export function currentBootId(path = '/proc/sys/kernel/random/boot_id'): string {
  return readFileSync(path, 'utf8').trim().replaceAll('-', '');
}

/** Socket activation: fd 3 when LISTEN_PID names us and LISTEN_FDS is 1. */
function activatedFd(env: NodeJS.ProcessEnv): number | undefined {
  if (env['LISTEN_PID'] !== String(process.pid) || env['LISTEN_FDS'] !== '1') return undefined;
  return SD_LISTEN_FDS_START;
}

export async function runExporter(argv: readonly string[], deps: ExporterCliDeps): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      listen: { type: 'string' },
      directory: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help === true) {
    process.stdout.write(EXPORTER_USAGE);
    return 0;
  }
  const listen = parseListen(values.listen ?? `:${String(DEFAULT_PORT)}`);
  const directory = values.directory;
  const bootId = currentBootId();
  const collector = new CoredumpCollector({
    files: () => (directory === undefined ? localJournalFiles() : directoryJournalFiles(directory)),
    trust: { coredumpUid: deps.coredumpUid },
    bootId,
  });
  const server = createExporterServer({
    collector,
    metrics: new CoredumpMetrics(),
    bootId,
    ...(deps.storage !== undefined && { storage: deps.storage }),
    log: deps.log,
  });
  const fd = activatedFd(deps.env);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (fd !== undefined) server.listen({ fd }, resolve);
    else server.listen(listen.port, listen.host, resolve);
  });
  const where = server.address();
  deps.log(
    `Serving coredump metrics on ${typeof where === 'string' || where === null ? `fd ${String(fd)}` : `${where.address}:${String(where.port)}`}/metrics`,
  );
  await deps.stopped;
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return 0;
}
