// The HTTP side of `coredump-ts exporter`: GET /metrics scans the journal
// files for new entries, then renders. One scan at a time; a scrape that
// arrives while one runs waits for it.
import { createServer, type Server } from 'node:http';

import type { CoredumpCollector } from './collector.js';
import { CONTENT_TYPE, type CoredumpMetrics, type StorageUsage } from './metrics.js';

export interface ExporterDeps {
  readonly collector: CoredumpCollector;
  readonly metrics: CoredumpMetrics;
  readonly bootId: string;
  readonly storage?: () => StorageUsage | undefined;
  readonly log?: (line: string) => void;
}

/** Scan for new entries and render the metrics text. */
export async function scrape(deps: ExporterDeps): Promise<string> {
  const stats = deps.collector.scan();
  deps.metrics.entriesRead.inc(stats.entriesRead);
  if (stats.errors.length > 0) {
    deps.metrics.scrapeErrors.inc(stats.errors.length);
    for (const e of stats.errors) deps.log?.(`Failed to read the journal: ${e}`);
  }
  let storage: StorageUsage | undefined;
  try {
    storage = deps.storage?.();
  } catch (error) {
    deps.metrics.scrapeErrors.inc();
    deps.log?.(`Failed to measure the storage directory: ${(error as Error).message}`);
  }
  return deps.metrics.render({
    bootId: deps.bootId,
    records: deps.collector.all,
    untrusted: deps.collector.untrusted,
    storage,
  });
}

const LANDING =
  '<html><head><title>coredump-ts exporter</title></head><body><p><a href="/metrics">Metrics</a></p></body></html>\n';

export function createExporterServer(deps: ExporterDeps): Server {
  let running: Promise<string> | undefined;
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(LANDING);
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
      return;
    }
    running ??= scrape(deps).finally(() => {
      running = undefined;
    });
    running.then(
      (text) => {
        res
          .writeHead(200, { 'content-type': CONTENT_TYPE })
          .end(req.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        deps.log?.(`Scrape failed: ${(error as Error).message}`);
        res.writeHead(500, { 'content-type': 'text/plain' }).end('Scrape failed\n');
      },
    );
  });
}

/** `HOST:PORT`, `:PORT` or `PORT`; IPv6 hosts in brackets (`[::1]:9113`). */
export function parseListen(text: string): { host: string | undefined; port: number } {
  const m = /^(?:(?:\[([^\]]+)\]|([^:[\]]*)):)?([0-9]{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (m === null || port > 65535) {
    throw new Error(`Invalid --listen= address: ${text} (expected HOST:PORT)`);
  }
  const host = m[1] ?? m[2];
  return { host: host === undefined || host === '' ? undefined : host, port };
}
