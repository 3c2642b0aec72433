// The /metrics text (Prometheus exposition format 0.0.4), built with
// prom-client: coredump-exporter's series unchanged, so existing dashboards
// keep working (`coredumps_total{boot_id}`, `coredumps{boot_id,exe,signal_name}`:
// the current boot's coredump entries), then ours. prom-client loads in ~36 ms:
// it is for this long-running exporter and the `metrics` verb only, never the
// crash path.
import { Counter, Gauge, Registry } from 'prom-client';

import type { CoredumpRecord } from './collector.js';

export interface StorageUsage {
  /** Bytes the stored cores occupy (allocated blocks, as the vacuum counts them). */
  readonly usedBytes: number;
  readonly files: number;
  /** Effective MaxUse= for the storage directory's filesystem. */
  readonly maxUseBytes: number;
}

export interface MetricsInput {
  readonly bootId: string;
  readonly records: readonly CoredumpRecord[];
  readonly untrusted: number;
  readonly storage?: StorageUsage | undefined;
}

/** Label value for an entry without a signature (systemd's own worker writes none). */
export const NO_SIGNATURE = 'none';

/**
 * The metric families, registered once. Records only ever grow (entries are
 * appended to the journal), so each render adds what came since the last
 * one: a scrape costs O(new entries) here too.
 */
export class CoredumpMetrics {
  readonly registry = new Registry();
  private rendered = 0;
  private readonly total = new Counter({
    name: 'coredumps_total',
    help: 'Number of coredumps in the journal for this boot.',
    labelNames: ['boot_id'],
    registers: [this.registry],
  });
  private readonly byExe = this.gauge(
    'coredumps',
    'Number of coredumps in the journal for this boot, by executable and signal.',
    ['boot_id', 'exe', 'signal_name'],
  );
  private readonly bySignature = this.gauge(
    'coredumps_by_signature',
    'Number of coredumps of this boot by crash signature (COREDUMP_TS_SIGNATURE; "none" without one).',
    ['signature', 'exe', 'signal_name'],
  );
  private readonly stored = this.gauge(
    'coredumps_stored',
    'Coredumps of this boot whose core file was kept.',
    ['boot_id'],
  );
  private readonly suppressed = this.gauge(
    'coredumps_suppressed',
    'Coredumps of this boot whose core was not kept because of RateLimitBurst=.',
    ['boot_id'],
  );
  private readonly untrusted = this.gauge(
    'coredump_exporter_untrusted_entries',
    'Coredump-like journal entries of this boot not sent by a coredump worker (not counted).',
    ['boot_id'],
  );
  private readonly storageUsed = this.gauge(
    'coredump_storage_used_bytes',
    'Bytes the stored cores occupy in the storage directory.',
    [],
  );
  private readonly storageFiles = this.gauge(
    'coredump_storage_files',
    'Core files in the storage directory.',
    [],
  );
  private readonly storageMax = this.gauge(
    'coredump_storage_max_use_bytes',
    'The effective MaxUse= of the storage directory.',
    [],
  );
  readonly scrapeErrors = new Counter({
    name: 'coredump_exporter_scrape_errors_total',
    help: 'Journal files or entries that could not be read.',
    registers: [this.registry],
  });
  readonly entriesRead = new Counter({
    name: 'coredump_exporter_entries_read_total',
    help: 'Coredump entries read from the journal files (each is read once).',
    registers: [this.registry],
  });

  private gauge(name: string, help: string, labelNames: readonly string[]): Gauge {
    return new Gauge({ name, help, labelNames: [...labelNames], registers: [this.registry] });
  }

  async render(input: MetricsInput): Promise<string> {
    const boot = { boot_id: input.bootId };
    // Series that exist from the first scrape on, at 0 until something happens.
    this.total.inc(boot, 0);
    this.stored.inc(boot, 0);
    this.suppressed.inc(boot, 0);
    this.untrusted.set(boot, input.untrusted);
    for (let i = this.rendered; i < input.records.length; i++) {
      const r = input.records[i];
      if (r === undefined) continue;
      this.total.inc({ boot_id: r.bootId });
      if (r.stored) this.stored.inc({ boot_id: r.bootId });
      if (r.suppressed) this.suppressed.inc({ boot_id: r.bootId });
      this.byExe.inc({ boot_id: r.bootId, exe: r.exe, signal_name: r.signalName });
      this.bySignature.inc({
        signature: r.signature ?? NO_SIGNATURE,
        exe: r.exe,
        signal_name: r.signalName,
      });
    }
    this.rendered = input.records.length;
    if (input.storage !== undefined) {
      this.storageUsed.set(input.storage.usedBytes);
      this.storageFiles.set(input.storage.files);
      this.storageMax.set(input.storage.maxUseBytes);
    }
    return this.registry.metrics();
  }
}

export const CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;
