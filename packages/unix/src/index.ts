export { isSysError } from './errors.js';
export type { SysError } from './errors.js';
export {
  accept,
  acceptSync,
  bind,
  connect,
  listen,
  peerCred,
  recvmsg,
  recvmsgSync,
  sendmsg,
  setNonBlocking,
  setRecvBuffer,
  setSendBuffer,
  socket,
  socketpair,
  socketType,
} from './socket.js';
export type { RecvOptions, RecvResult, SendOptions, SocketType } from './socket.js';
export {
  F_SEAL_GROW,
  F_SEAL_SEAL,
  F_SEAL_SHRINK,
  F_SEAL_WRITE,
  close,
  getDumpable,
  getPipeSize,
  getSeals,
  linkTmpfile,
  memfdCreate,
  memfdWith,
  openTmpfile,
  pidfdOpen,
  pidfdPid,
  pipe,
  punchHole,
  sealMemfd,
  setCloexec,
  setDumpable,
  setPipeSize,
  setXattr,
  enlargePipe,
  CORE_PIPE_SIZES_BYTES,
} from './fd.js';
export { SD_LISTEN_FDS_START, listenFds } from './activation.js';
export { FdWatcher } from './watch.js';
export { SOMAXCONN_DELUXE, listenStream } from './listen.js';
export {
  PIDFD_COREDUMPED,
  PIDFD_COREDUMP_ROOT,
  PIDFD_COREDUMP_SKIP,
  PIDFD_COREDUMP_USER,
  PIDFD_INFO_CGROUPID,
  PIDFD_INFO_COREDUMP,
  PIDFD_INFO_COREDUMP_CODE,
  PIDFD_INFO_COREDUMP_SIGNAL,
  PIDFD_INFO_CREDS,
  PIDFD_INFO_EXIT,
  PIDFD_INFO_PID,
  PIDFD_INFO_SUPPORTED_MASK,
  RLIMIT_CORE,
  getProcessLimit,
  peerPidfd,
  pidfdGetInfo,
  pidfdInfoSupported,
  utsHostname,
} from './pidfd.js';
export type { PidfdInfo } from './pidfd.js';
export {
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLOUT,
  pollFd,
  queuedBytes,
  recvBytes,
  recvFill,
} from './stream.js';
export { configFs } from './files.js';
export { errnoMessage, groupName, strerror, userName } from './libc.js';
export { lockExclusive, unlock } from './lock.js';
export { spawnPiped } from './spawn.js';
export type { PipedChild, PipedChildExit, PipedChildOptions } from './spawn.js';
