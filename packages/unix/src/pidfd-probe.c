/* What PIDFD_GET_INFO (Linux 6.13+) answers on this kernel, for deciding
 * whether the kernel coredump socket (@@ core_pattern) is usable:
 *
 *   pidfdInfoMasks(pidfd, requestMask) -> { mask, supportedMask }
 *
 * mask is the reply's mask (the fields the kernel filled), supportedMask the
 * kernel's PIDFD_INFO_SUPPORTED_MASK answer (0 when the kernel predates it).
 * A kernel without the ioctl throws ENOTTY (or EINVAL). The struct is ours,
 * sized generously: the kernel copies min(its size, ours) and zero-fills the
 * rest, so newer and older kernels both answer. */
#define _GNU_SOURCE
#include "addon.h"
#include "napi-util.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

/* linux/pidfd.h, 6.18: mask, cgroupid, 12 x u32 ids/exit, coredump_mask,
 * a spare u32, then supported_mask at byte 72. */
#define PROBE_INFO_BYTES 128
#define SUPPORTED_MASK_OFFSET 72
#define PIDFS_IOCTL_MAGIC 0xFF
#define PIDFD_GET_INFO_NR 11
#define PIDFD_INFO_SUPPORTED_MASK (1ULL << 5)

napi_value cu_pidfd_info_masks(napi_env env, napi_callback_info info) {
  napi_value argv[2], obj = NULL;
  int32_t fd = -1;
  int64_t request = 0;
  if (!cu_args(env, info, 2, argv) || !cu_get_int32(env, argv[0], "pidfd", &fd) ||
      !cu_get_int64(env, argv[1], "requestMask", &request))
    return NULL;
  uint64_t buf[PROBE_INFO_BYTES / 8];
  memset(buf, 0, sizeof buf);
  buf[0] = (uint64_t)request | PIDFD_INFO_SUPPORTED_MASK;
  unsigned long cmd = _IOWR(PIDFS_IOCTL_MAGIC, PIDFD_GET_INFO_NR, uint64_t[PROBE_INFO_BYTES / 8]);
  if (ioctl(fd, cmd, buf) < 0) return cu_throw_errno(env, errno, "ioctl", NULL);
  NAPI_OK(env, napi_create_object(env, &obj));
  NAPI_OK(env, napi_set_named_property(env, obj, "mask", cu_int(env, (int64_t)(buf[0] & 0xffffffffffff))));
  NAPI_OK(env, napi_set_named_property(env, obj, "supportedMask",
                                       cu_int(env, (int64_t)(buf[SUPPORTED_MASK_OFFSET / 8] & 0xffffffffffff))));
  return obj;
}
