// `coredump-ts exporter`: the Prometheus exporter (@coredump-ts/exporter),
// given what only the host knows: the systemd-coredump user (whose entries the
// metrics trust), the storage directory and MaxUse= (for the storage gauges).
// Loaded only for this command: prom-client never loads for the others.
export async function runExporterCommand(argv: readonly string[]): Promise<number> {
  const [{ runExporter }, pipeline, { loadConfig }, { configFs }] = await Promise.all([
    import('@coredump-ts/exporter'),
    import('@coredump-ts/pipeline'),
    import('@coredump-ts/config'),
    import('@coredump-ts/unix'),
  ]);
  const paths = pipeline.pathsFromEnv(process.env);
  const { config } = loadConfig({ root: paths.configRoot, fs: configFs });
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  return runExporter(argv, {
    env: process.env,
    log: (line) => process.stderr.write(`${line}\n`),
    coredumpUid: pipeline.readCoredumpUser()?.uid,
    storage: () => pipeline.storageUsage(paths.storageDir, config.maxUse),
    stopped,
  });
}
