// Run a function with names only an NSS source other than "files" knows:
// libnss-extrausers (Debian), its /var/lib/extrausers/{passwd,group}, and
// "extrausers" added to the passwd and group lines of /etc/nsswitch.conf.
// /etc/nsswitch.conf is machine-global: it is changed under a lock (the same
// pid-directory lock as the kernel settings, its own directory) and put back,
// with the extrausers files, on every exit path: return, throw, process exit,
// SIGINT/SIGTERM/SIGHUP.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { withMachineLock } from '@coredump-ts/testkit';

const NSSWITCH = '/etc/nsswitch.conf';
const EXTRAUSERS_DIR = '/var/lib/extrausers';
const LOCK_DIR = '/run/coredump-ts-test.nsswitch.lock';
const LOCK_TIMEOUT_MS = 120_000;
/** Debian's libnss-extrausers module, without which "extrausers" resolves nothing. */
export const EXTRAUSERS_MODULE = '/usr/lib/libnss_extrausers.so.2';

export interface ExtraNames {
  user: { name: string; uid: number; gid: number };
  group: { name: string; gid: number };
}

export function withExtraUsers<T>(names: ExtraNames, fn: () => Promise<T> | T): Promise<T> {
  const saved = new Map<string, string | undefined>();
  const save = (): (() => void) => {
    for (const path of [NSSWITCH, `${EXTRAUSERS_DIR}/passwd`, `${EXTRAUSERS_DIR}/group`])
      saved.set(path, existsSync(path) ? readFileSync(path, 'utf8') : undefined);
    return () => {
      for (const [path, text] of saved) {
        if (text === undefined) rmSync(path, { force: true });
        else writeFileSync(path, text);
      }
    };
  };
  return withMachineLock(LOCK_DIR, LOCK_TIMEOUT_MS, save, async () => {
    const { user, group } = names;
    writeFileSync(
      `${EXTRAUSERS_DIR}/passwd`,
      `${saved.get(`${EXTRAUSERS_DIR}/passwd`) ?? ''}${user.name}:x:${String(user.uid)}:${String(user.gid)}::/nonexistent:/usr/sbin/nologin\n`,
    );
    writeFileSync(
      `${EXTRAUSERS_DIR}/group`,
      `${saved.get(`${EXTRAUSERS_DIR}/group`) ?? ''}${group.name}:x:${String(group.gid)}:\n`,
    );
    const nsswitch = saved.get(NSSWITCH) ?? '';
    writeFileSync(
      NSSWITCH,
      nsswitch.replace(/^((?:passwd|group):[^\n]*?)\s*$/gm, (line) =>
        /\bextrausers\b/.test(line) ? line : `${line.trimEnd()} extrausers`,
      ),
    );
    return await fn();
  });
}
