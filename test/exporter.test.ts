// The exporter against a real journald (a private namespace: these entries are
// made up, so they never reach the machine's journal), scraped by a real
// Prometheus server on loopback, its text checked by promtool.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  CoredumpCollector,
  CoredumpMetrics,
  createExporterServer,
  runExporter,
  scrape,
} from '@coredump-ts/exporter';
import { sendJournalEntry } from '@coredump-ts/journal';
import { directoryJournalFiles } from '@coredump-ts/journal/read';
import { field, FIELD, MESSAGE_ID_COREDUMP, type JournalField } from '@coredump-ts/protocol';

import { ensureTestUser } from './support/e2e.js';
import { startJournaldNamespace, type JournaldNamespace } from './support/journald-namespace.js';
import { waitFor } from './support/wait.js';

const BOOT_ID = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().replaceAll('-', '');

function coredumpFields(i: number, extra: Record<string, string> = {}): JournalField[] {
  return [
    field(FIELD.MESSAGE_ID, MESSAGE_ID_COREDUMP),
    field(FIELD.PRIORITY, 2),
    field(FIELD.MESSAGE, `Process ${String(1000 + i)} (loop) of user 0 dumped core.`),
    field(FIELD.PID, 1000 + i),
    field(FIELD.UID, 0),
    field(FIELD.GID, 0),
    field(FIELD.SIGNAL, 11),
    field(FIELD.SIGNAL_NAME, 'SIGSEGV'),
    field(FIELD.COMM, 'loop'),
    field(FIELD.EXE, '/usr/bin/loop'),
    ...Object.entries(extra).map(([k, v]) => field(k, v)),
  ];
}

/** A free loopback TCP port (closed again before use: the race is harmless here). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) =>
    server.close(() => {
      done();
    }),
  );
  return port;
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url);
  return res.json();
}

describe('coredump-ts exporter', () => {
  let ns: JournaldNamespace;
  let collector: CoredumpCollector;
  let metrics: CoredumpMetrics;
  let user: number;

  const deps = () => ({ collector, metrics, bootId: BOOT_ID });
  const entriesIn = async (matches: string[]) =>
    (await ns.read([`MESSAGE_ID=${MESSAGE_ID_COREDUMP}`, `_BOOT_ID=${BOOT_ID}`, ...matches]))
      .length;
  const sendAsRoot = (fields: JournalField[]): void => {
    sendJournalEntry(fields, { socketPath: ns.socketPath });
  };

  beforeAll(async () => {
    user = ensureTestUser();
    ns = await startJournaldNamespace({ prefix: 'cdtsexp' });
    collector = new CoredumpCollector({
      files: () => directoryJournalFiles(ns.journalDir),
      trust: { coredumpUid: undefined },
      bootId: BOOT_ID,
    });
    metrics = new CoredumpMetrics();
  });
  afterAll(async () => {
    await ns.stop();
  });

  it('counts what the journal holds, each entry once, and reads only new entries', async () => {
    for (let i = 0; i < 3; i++)
      sendAsRoot(
        coredumpFields(i, {
          COREDUMP_TS_SIGNATURE: 'aaaa000000000001',
          COREDUMP_FILENAME: `/var/lib/systemd/coredump/core.loop.${String(i)}`,
        }),
      );
    for (let i = 3; i < 5; i++)
      sendAsRoot(
        coredumpFields(i, {
          COREDUMP_TS_SIGNATURE: 'aaaa000000000001',
          COREDUMP_TS_RATE_LIMITED: '1',
          COREDUMP_TS_SUPPRESSED: String(i - 2),
        }),
      );
    await waitFor(async () => (await entriesIn([])) === 5, { what: '5 entries in the namespace' });

    const first = collector.scan();
    expect(first.errors).toEqual([]);
    expect(first.entriesRead).toBe(5);
    expect(collector.all).toHaveLength(5);

    const text = await scrape(deps());
    expect(text).toContain(`coredumps_total{boot_id="${BOOT_ID}"} 5`);
    expect(text).toContain(
      `coredumps{boot_id="${BOOT_ID}",exe="/usr/bin/loop",signal_name="SIGSEGV"} 5`,
    );
    expect(text).toContain(
      `coredumps_by_signature{signature="aaaa000000000001",exe="/usr/bin/loop",signal_name="SIGSEGV"} 5`,
    );
    expect(text).toContain(`coredumps_stored{boot_id="${BOOT_ID}"} 3`);
    expect(text).toContain(`coredumps_suppressed{boot_id="${BOOT_ID}"} 2`);

    // Nothing new: no entry is read again.
    expect(collector.scan().entriesRead).toBe(0);
    for (let i = 5; i < 15; i++) sendAsRoot(coredumpFields(i));
    await waitFor(async () => (await entriesIn([])) === 15, { what: '15 entries' });
    const next = collector.scan();
    expect(next.entriesRead).toBe(10);
    const after = await scrape(deps());
    expect(after).toContain(`coredumps_total{boot_id="${BOOT_ID}"} 15`);
    expect(after).toContain(
      `coredumps_by_signature{signature="none",exe="/usr/bin/loop",signal_name="SIGSEGV"} 10`,
    );
    expect(Number(/coredumps_total\{[^}]*\} (\d+)/.exec(after)?.[1])).toBe(await entriesIn([]));
  });

  it('does not count an entry an unprivileged user logged with the coredump MESSAGE_ID', async () => {
    const before = collector.all.length;
    // A user's spoof, as logger(1) would send it: a native-protocol datagram from their uid.
    const payload = coredumpFields(99)
      .map((f) => `${f.name}=${f.value.toString()}\n`)
      .join('');
    const py = `import socket,sys; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(sys.argv[2].encode(), sys.argv[1])`;
    const r = spawnSync('python3', ['-c', py, ns.socketPath, payload], { uid: user, gid: user });
    expect(r.status, r.stderr.toString()).toBe(0);
    await waitFor(async () => (await entriesIn([`_UID=${String(user)}`])) === 1, {
      what: 'the spoofed entry',
    });

    collector.scan();
    expect(collector.all.length).toBe(before);
    expect(collector.untrusted).toBe(1);
    const text = await scrape(deps());
    expect(text).toContain(`coredump_exporter_untrusted_entries{boot_id="${BOOT_ID}"} 1`);
    expect(Number(/coredumps_total\{[^}]*\} (\d+)/.exec(text)?.[1])).toBe(
      (await entriesIn([])) - 1,
    );
  });

  it('passes promtool check metrics', async () => {
    const text = await scrape(deps());
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text });
    expect(`${r.stdout.toString()}${r.stderr.toString()}`).toBe('');
    expect(r.status).toBe(0);
  });

  it('is scraped by a real Prometheus server', async () => {
    const server = createExporterServer(deps());
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const exporterPort = (server.address() as AddressInfo).port;
    const promPort = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'cdts-prom-'));
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: coredump\n    static_configs:\n      - targets: ['127.0.0.1:${String(exporterPort)}']\n`,
    );
    let prom: ChildProcess | undefined;
    try {
      prom = spawn(
        'prometheus',
        [
          `--config.file=${join(dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${String(promPort)}`,
        ],
        { stdio: 'ignore' },
      );
      const expected = collector.all.length;
      const query = async (q: string): Promise<string | undefined> => {
        try {
          const body = (await getJson(
            `http://127.0.0.1:${String(promPort)}/api/v1/query?query=${encodeURIComponent(q)}`,
          )) as { data?: { result?: { value?: [number, string] }[] } };
          return body.data?.result?.[0]?.value?.[1];
        } catch {
          return undefined;
        }
      };
      await waitFor(async () => (await query('coredumps_total')) === String(expected), {
        what: 'Prometheus to scrape coredumps_total',
        timeoutMs: 60_000,
      });
      expect(await query('up{job="coredump"}')).toBe('1');
      expect(await query('sum(coredumps_by_signature)')).toBe(String(expected));
    } finally {
      if (prom?.pid !== undefined) process.kill(prom.pid, 'SIGTERM');
      await new Promise<void>((done) =>
        server.close(() => {
          done();
        }),
      );
      if (prom !== undefined && prom.exitCode === null) {
        await new Promise<void>((done) =>
          prom?.once('exit', () => {
            done();
          }),
        );
      }
      rmSync(dir, { recursive: true, force: true });
    }
    expect(execFileSync('promtool', ['--version'], { encoding: 'utf8' })).toMatch(/promtool/);
  });

  it('runs from its command line on a given address and stops when asked', async () => {
    let stop = (): void => undefined;
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const lines: string[] = [];
    const run = runExporter(['--listen=127.0.0.1:0', `--directory=${ns.journalDir}`], {
      env: {},
      log: (line) => lines.push(line),
      coredumpUid: undefined,
      stopped,
    });
    const address = await waitFor(
      () => /on (127\.0\.0\.1:\d+)\/metrics/.exec(lines.join('\n'))?.[1],
      { what: 'the exporter to listen' },
    );
    const text = await (await fetch(`http://${address}/metrics`)).text();
    expect(Number(/coredumps_total\{[^}]*\} (\d+)/.exec(text)?.[1])).toBe(collector.all.length);
    expect((await fetch(`http://${address}/nothing`)).status).toBe(404);
    stop();
    expect(await run).toBe(0);
  });
});
