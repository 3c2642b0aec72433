// The metrics verb's work (issue 18): the exporter's /metrics text, printed once,
// for node_exporter's textfile collector (run from a timer). One scrape of
// @coredump-ts/exporter over the selected journal files (-D/--file, else the
// local journal); the same trust policy and current-boot scope as the
// exporter, and the storage gauges of the storage directory and MaxUse= as
// the worker sees them. Loaded at run time by metrics.ts, never bundled.
import type { VerbContext } from './context.js';

export async function printMetrics(ctx: VerbContext): Promise<void> {
  const o = ctx.options;
  const [exporter, read, pipeline, { loadConfig }, { configFs }] = await Promise.all([
    import('@coredump-ts/exporter'),
    import('@coredump-ts/journal/read'),
    import('@coredump-ts/pipeline'),
    import('@coredump-ts/config'),
    import('@coredump-ts/unix'),
  ]);
  const paths = pipeline.pathsFromEnv(process.env);
  const files = (): readonly string[] =>
    o.files ??
    (o.directory !== undefined
      ? read.directoryJournalFiles(o.directory)
      : read.localJournalFiles());
  const bootId = exporter.currentBootId();
  const collector = new exporter.CoredumpCollector({
    files,
    trust: { coredumpUid: pipeline.readCoredumpUser()?.uid },
    bootId,
  });
  const text = await exporter.scrape({
    collector,
    metrics: new exporter.CoredumpMetrics(),
    bootId,
    storage: () =>
      pipeline.storageUsage(
        paths.storageDir,
        loadConfig({ root: paths.configRoot, fs: configFs }).config.maxUse,
      ),
    log: (line) => {
      ctx.log(line);
    },
  });
  ctx.stdout.write(text);
}
