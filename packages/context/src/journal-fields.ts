/**
 * The one serializer of a crash context into journal fields (spec §3.2, §4.2). A
 * received context goes out as received (systemd passes a sender's fields through
 * unchanged); a collected one in systemd 262's build_iovw order, then PRIORITY=2 and
 * MESSAGE_ID (protocol's CONTEXT_FIELD_ORDER).
 */
import { buildContextFields, type JournalField } from '@coredump-ts/protocol';

import type { CrashContext } from './context.js';

export const buildJournalFields = (ctx: CrashContext): readonly JournalField[] =>
  ctx.source === 'datagrams' ? ctx.received : buildContextFields(ctx.values);
