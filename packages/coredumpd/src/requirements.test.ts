import { describe, expect, it } from 'vitest';

import {
  INITIAL_NAMESPACE_INODES,
  type RequirementProbes,
  checkRequirements,
  kernelProbes,
} from './requirements.js';

const probes = (over: Partial<RequirementProbes> = {}): RequirementProbes => ({
  pidfdCoredumpInfo: () => true,
  namespaceInode: (name) => INITIAL_NAMESPACE_INODES[name],
  ...over,
});

describe('checkRequirements', () => {
  it('passes on a 6.17+ kernel in the initial namespaces', () => {
    expect(checkRequirements(probes())).toEqual({ ok: true });
  });

  it("fails with systemd's message when PIDFD_GET_INFO lacks PIDFD_INFO_COREDUMP", () => {
    expect(checkRequirements(probes({ pidfdCoredumpInfo: () => false }))).toEqual({
      ok: false,
      reason: 'ioctl(PIDFD_GET_INFO) does not support PIDFD_INFO_COREDUMP.',
    });
  });

  it.for(['pid', 'user', 'time'] as const)('fails in a non-initial %s namespace', (which) => {
    const result = checkRequirements(
      probes({
        namespaceInode: (name) => (name === which ? 4026532000 : INITIAL_NAMESPACE_INODES[name]),
      }),
    );
    expect(result).toEqual({ ok: false, reason: `Running in a non-initial ${which} namespace.` });
  });

  it('treats a missing time namespace (kernel < 5.6) as the initial one', () => {
    const result = checkRequirements(
      probes({
        namespaceInode: (name) => (name === 'time' ? undefined : INITIAL_NAMESPACE_INODES[name]),
      }),
    );
    expect(result).toEqual({ ok: true });
  });

  it('reads the namespace inodes of this process', () => {
    const inode = kernelProbes().namespaceInode('pid');
    expect(typeof inode).toBe('number');
  });
});
