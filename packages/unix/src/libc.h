/* libc lookups Node lacks (libc.c): names through NSS, strerror(). */
#ifndef COREDUMP_UNIX_LIBC_H
#define COREDUMP_UNIX_LIBC_H

#include <node_api.h>

napi_value cu_user_name(napi_env env, napi_callback_info info);
napi_value cu_group_name(napi_env env, napi_callback_info info);
napi_value cu_strerror(napi_env env, napi_callback_info info);

#endif
