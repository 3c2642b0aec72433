// Re-exports only.
export { startManager, runManager, type ManagerHandle } from './manager.js';
export {
  IDLE_WORKERS,
  MAX_WORKERS,
  WORKER_TIMEOUT_USEC,
  managerOptionsFromEnv,
  workerEnv,
  type ManagerOptions,
} from './manager-options.js';
export { FDSTORE_NAME, KERNEL_SOCKET_PATH, openListener, takeStoredListener } from './listener.js';
export { WorkerPool, type ManagerLog, type PoolOptions } from './pool.js';
export {
  INITIAL_NAMESPACE_INODES,
  checkRequirements,
  kernelProbes,
  type RequirementProbes,
  type RequirementResult,
} from './requirements.js';
export { createSdNotify, notifyAddress, watchdogIntervalMs, type SdNotify } from './notify.js';
export { formatTimespan } from './timespan.js';
// Re-exports only (see README.md).
export {
  WORKER_CHANNEL_FD,
  parseHandoff,
  processKernelConnection,
  runSocketWorker,
  type KernelConnectionDeps,
} from './socket-worker.js';
export {
  ACK_MASKS,
  COREDUMP_KERNEL,
  COREDUMP_REJECT,
  COREDUMP_USERSPACE,
  COREDUMP_WAIT,
  HandshakeError,
  runHandshake,
  type AckDecision,
  type CoredumpRequest,
  type HandshakeOptions,
  type HandshakeResult,
} from './handshake.js';
export {
  contextFromPeer,
  findDumpingThread,
  openPeer,
  verifyPeer,
  type OpenedPeer,
  type Peer,
  type PeerContext,
} from './peer-context.js';
export { readCoreHead, signalFromCoreHead, type CoreHead } from './core-head.js';
