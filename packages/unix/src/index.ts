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
export { lockExclusive, unlock } from './lock.js';
