// uid/gid -> name as systemd's uid_to_name()/gid_to_name() give them: root for
// 0, nobody/nogroup for 65534 unless /etc/systemd/dont-synthesize-nobody exists,
// else whatever NSS says (getpwuid_r/getgrgid_r through the unix addon: LDAP,
// SSSD, extrausers, DynamicUser= users), else the number.
import { existsSync } from 'node:fs';

export interface NameDb {
  user(uid: number): string;
  group(gid: number): string;
}

/** The NSS lookups (@coredump-ts/unix); undefined means "no name". */
export interface NssLookups {
  userName(uid: number): string | undefined;
  groupName(gid: number): string | undefined;
}

const UID_NOBODY = 65534;
/** Debian's NOBODY_USER_NAME / NOBODY_GROUP_NAME. */
const NOBODY_USER = 'nobody';
const NOBODY_GROUP = 'nogroup';
const DONT_SYNTHESIZE_NOBODY = '/etc/systemd/dont-synthesize-nobody';

/** Names only where they need no lookup: what list and -F get (they show numbers). */
export const NUMBERS_ONLY: NameDb = { user: String, group: String };

export function createNameDb(nss: NssLookups, synthesizeNobody: boolean): NameDb {
  const cached = (lookup: (id: number) => string | undefined): ((id: number) => string) => {
    const seen = new Map<number, string>();
    return (id) => {
      let name = seen.get(id);
      if (name === undefined) seen.set(id, (name = lookup(id) ?? String(id)));
      return name;
    };
  };
  return {
    user: cached((uid) =>
      uid === 0 ? 'root' : synthesizeNobody && uid === UID_NOBODY ? NOBODY_USER : nss.userName(uid),
    ),
    group: cached((gid) =>
      gid === 0
        ? 'root'
        : synthesizeNobody && gid === UID_NOBODY
          ? NOBODY_GROUP
          : nss.groupName(gid),
    ),
  };
}

/** The NSS-backed names; the addon loads here, only for the verbs that print names. */
export async function loadNameDb(): Promise<NameDb> {
  let nss: NssLookups;
  try {
    nss = await import('@coredump-ts/unix');
  } catch {
    // Without the addon (a broken install) info still works, with numbers.
    nss = { userName: () => undefined, groupName: () => undefined };
  }
  return createNameDb(nss, !existsSync(DONT_SYNTHESIZE_NOBODY));
}

const DECIMAL = /^\d+$/;

/** systemd's parse_uid(): decimal, not -1 (0xffffffff) nor 0xffff. */
export function parseUid(text: string | undefined): number | undefined {
  if (text === undefined || !DECIMAL.test(text)) return undefined;
  const n = Number(text);
  if (n > 0xfffffffe || n === 0xffff) return undefined;
  return n;
}
