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
