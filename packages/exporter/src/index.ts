export {
  CoredumpCollector,
  type CollectorOptions,
  type CoredumpRecord,
  type ScanStats,
} from './collector.js';
export {
  CONTENT_TYPE,
  CoredumpMetrics,
  NO_SIGNATURE,
  type MetricsInput,
  type StorageUsage,
} from './metrics.js';
export { createExporterServer, parseListen, scrape, type ExporterDeps } from './server.js';
export { isTrustedEntry, type TrustedFields, type TrustPolicy } from './trust.js';
export {
  currentBootId,
  DEFAULT_PORT,
  EXPORTER_USAGE,
  runExporter,
  type ExporterCliDeps,
} from './cli.js';
