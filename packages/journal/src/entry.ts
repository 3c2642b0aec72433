// One journal entry as read back from `journalctl -o export`.
//
// Every field journalctl printed is kept in `fields`, in order of first
// appearance, including the address fields (`__CURSOR`, `__REALTIME_TIMESTAMP`,
// `__MONOTONIC_TIMESTAMP`, `__SEQNUM`, ...). The ones coredumpctl needs are also
// surfaced as typed properties.

export interface JournalEntry {
  /** Field name -> every value, in the order journalctl printed them. */
  readonly fields: Map<string, Buffer[]>;
  /** First value of `name` as UTF-8, or undefined if the entry has no such field. */
  text(name: string): string | undefined;
  readonly cursor?: string;
  readonly realtimeUsec?: number;
  readonly monotonicUsec?: number;
  readonly bootId?: string;
}

interface EntryAddress {
  cursor?: string;
  realtimeUsec?: number;
  monotonicUsec?: number;
  bootId?: string;
}

class ExportEntry implements JournalEntry {
  readonly fields: Map<string, Buffer[]>;
  readonly cursor?: string;
  readonly realtimeUsec?: number;
  readonly monotonicUsec?: number;
  readonly bootId?: string;

  constructor(fields: Map<string, Buffer[]>, address: EntryAddress) {
    this.fields = fields;
    if (address.cursor !== undefined) this.cursor = address.cursor;
    if (address.realtimeUsec !== undefined) this.realtimeUsec = address.realtimeUsec;
    if (address.monotonicUsec !== undefined) this.monotonicUsec = address.monotonicUsec;
    if (address.bootId !== undefined) this.bootId = address.bootId;
  }

  text(name: string): string | undefined {
    return this.fields.get(name)?.[0]?.toString('utf8');
  }
}

/**
 * Builds an entry from its fields. Returns a string describing the problem
 * when an address field is present but malformed (the caller turns it into a
 * parse error with an offset).
 */
export function makeEntry(fields: Map<string, Buffer[]>): JournalEntry | string {
  const address: EntryAddress = {};
  const first = (name: string): string | undefined => fields.get(name)?.[0]?.toString('utf8');

  const cursor = first('__CURSOR');
  if (cursor !== undefined) address.cursor = cursor;

  for (const [name, key] of [
    ['__REALTIME_TIMESTAMP', 'realtimeUsec'],
    ['__MONOTONIC_TIMESTAMP', 'monotonicUsec'],
  ] as const) {
    const raw = first(name);
    if (raw === undefined) continue;
    if (!/^[0-9]{1,16}$/.test(raw)) return `invalid ${name} value '${raw}'`;
    const usec = Number(raw);
    if (!Number.isSafeInteger(usec)) return `${name} value ${raw} is out of range`;
    address[key] = usec;
  }

  const bootId = first('_BOOT_ID');
  if (bootId !== undefined) {
    if (!/^[0-9a-f]{32}$/.test(bootId)) return `invalid _BOOT_ID value '${bootId}'`;
    address.bootId = bootId;
  }
  return new ExportEntry(fields, address);
}
