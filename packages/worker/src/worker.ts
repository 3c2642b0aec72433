// One socket-activated worker run: take the connection from fd 3, receive the
// crash, read coredump.conf, submit. Returns the exit status.
import { formatDiagnostic, loadConfig } from '@coredump-ts/config';
import { CoredumpError } from '@coredump-ts/protocol';
import { configFs, listenFds, setDumpable } from '@coredump-ts/unix';

import {
  closeQuietly,
  pathsFromEnv,
  reportFailure,
  submitCrash,
  type Log,
} from '@coredump-ts/pipeline';

import { receiveCrash } from './receive.js';

/** Env: a non-root peer uid accepted besides root (unprivileged component tests only). */
export const ALLOW_PEER_UID_ENV = 'COREDUMP_TS_ALLOW_PEER_UID';

/** Env: the receive deadline in ms (tests; the default is receive.ts's). */
export const RECEIVE_DEADLINE_ENV = 'COREDUMP_TS_RECEIVE_DEADLINE_MS';

function receiveDeadlineMs(env: NodeJS.ProcessEnv): { deadlineMs?: number } {
  const n = Number(env[RECEIVE_DEADLINE_ENV]);
  return Number.isSafeInteger(n) && n > 0 ? { deadlineMs: n } : {};
}

function allowedPeerUid(env: NodeJS.ProcessEnv): number | undefined {
  const text = env[ALLOW_PEER_UID_ENV];
  if (text === undefined || !/^[0-9]+$/.test(text)) return undefined;
  return Number(text);
}

export async function runWorker(env: NodeJS.ProcessEnv, log: Log): Promise<number> {
  try {
    setDumpable(false); // never dump our own core into ourselves
  } catch {
    // not fatal: the unit's sandbox still applies
  }
  const fds = listenFds(env);
  const connection = fds[0];
  if (fds.length !== 1 || connection === undefined) {
    return reportFailure(
      log,
      new CoredumpError('ERR_LISTEN_FDS', 'Received unexpected number of file descriptors.'),
    );
  }
  const paths = pathsFromEnv(env);
  let received;
  try {
    received = await receiveCrash(connection, {
      allowedPeerUid: allowedPeerUid(env),
      ...receiveDeadlineMs(env),
    });
  } catch (error) {
    return reportFailure(log, error, 'Refused coredump conversation, nothing stored: ');
  } finally {
    closeQuietly(connection);
  }
  const { config, diagnostics } = loadConfig({ root: paths.configRoot, fs: configFs });
  for (const d of diagnostics) {
    const text = formatDiagnostic(d);
    if (d.level === 'warning') log.warn(text);
    else if (d.level === 'notice') log.info(text);
    else log.debug(text);
  }
  try {
    const result = await submitCrash(received.ctx, received.coreFd, {
      config,
      paths,
      log,
      pidfd: received.pidfd,
    });
    return result.error === undefined ? 0 : result.error.exitStatus;
  } catch (error) {
    return reportFailure(log, error);
  } finally {
    closeQuietly(received.coreFd);
    closeQuietly(received.pidfd);
    closeQuietly(received.mountTreeFd);
  }
}
