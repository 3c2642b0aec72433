// The POSIX access ACL `user:<uid>:r--` on the stored core (spec §9.4).
//
// Written directly as the `system.posix_acl_access` xattr in the kernel's
// binary format rather than by running setfacl: no child process on the crash
// path, fsetxattr(2) works on an O_TMPFILE that has no name yet,
// and the format is a stable kernel ABI (include/uapi/linux/posix_acl_xattr.h).
import { setXattr } from '@coredump-ts/unix';

export const ACL_XATTR = 'system.posix_acl_access';

const ACL_VERSION = 2;
const ACL_UNDEFINED_ID = 0xffffffff;
const TAG = { USER_OBJ: 0x01, USER: 0x02, GROUP_OBJ: 0x04, MASK: 0x10, OTHER: 0x20 } as const;

/**
 * The ACL for a file of `mode` plus one named user entry with `userPerm`.
 * The mask is the union of the group class (group owner and named user).
 */
export function encodeUserReadAcl(mode: number, uid: number, userPerm = 4): Buffer {
  const owner = (mode >> 6) & 7;
  const group = (mode >> 3) & 7;
  const other = mode & 7;
  const entries: [number, number, number][] = [
    [TAG.USER_OBJ, owner, ACL_UNDEFINED_ID],
    [TAG.USER, userPerm, uid],
    [TAG.GROUP_OBJ, group, ACL_UNDEFINED_ID],
    [TAG.MASK, group | userPerm, ACL_UNDEFINED_ID],
    [TAG.OTHER, other, ACL_UNDEFINED_ID],
  ];
  const buf = Buffer.alloc(4 + entries.length * 8);
  buf.writeUInt32LE(ACL_VERSION, 0);
  entries.forEach(([tag, perm, id], i) => {
    const off = 4 + i * 8;
    buf.writeUInt16LE(tag, off);
    buf.writeUInt16LE(perm, off + 2);
    buf.writeUInt32LE(id, off + 4);
  });
  return buf;
}

/** Give `uid` read access to the open file `fd` (mode `mode`). */
export function grantReadAcl(fd: number, mode: number, uid: number): void {
  setXattr(fd, ACL_XATTR, encodeUserReadAcl(mode, uid));
}
