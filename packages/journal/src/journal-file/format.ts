// On-disk constants of the journal file format (systemd's "Journal File
// Format" document): little-endian, 8-byte aligned objects after the header.

export const SIGNATURE = 'LPKSHHRH';

/** Header incompatible flags. */
export const INCOMPAT_COMPRESSED_XZ = 1;
export const INCOMPAT_COMPRESSED_LZ4 = 2;
export const INCOMPAT_KEYED_HASH = 4;
export const INCOMPAT_COMPRESSED_ZSTD = 8;
export const INCOMPAT_COMPACT = 16;
export const INCOMPAT_KNOWN =
  INCOMPAT_COMPRESSED_XZ |
  INCOMPAT_COMPRESSED_LZ4 |
  INCOMPAT_KEYED_HASH |
  INCOMPAT_COMPRESSED_ZSTD |
  INCOMPAT_COMPACT;

/** Object types. */
export const OBJECT_DATA = 1;
export const OBJECT_FIELD = 2;
export const OBJECT_ENTRY = 3;
export const OBJECT_ENTRY_ARRAY = 6;

/** Object flags (compression of a DATA payload). */
export const OBJECT_COMPRESSED_XZ = 1;
export const OBJECT_COMPRESSED_LZ4 = 2;
export const OBJECT_COMPRESSED_ZSTD = 4;
export const OBJECT_COMPRESSED_MASK = 7;

/** Byte offsets in the header. */
export const HEADER = {
  compatibleFlags: 8,
  incompatibleFlags: 12,
  state: 16,
  fileId: 24,
  machineId: 40,
  tailEntryBootId: 56,
  seqnumId: 72,
  headerSize: 88,
  arenaSize: 96,
  dataHashTableOffset: 104,
  dataHashTableSize: 112,
  fieldHashTableOffset: 120,
  fieldHashTableSize: 128,
  tailObjectOffset: 136,
  nObjects: 144,
  nEntries: 152,
  tailEntrySeqnum: 160,
  headEntrySeqnum: 168,
  entryArrayOffset: 176,
  headEntryRealtime: 184,
  tailEntryRealtime: 192,
  tailEntryMonotonic: 200,
  /** Headers shorter than this (before n_data) are not supported. */
  minSize: 208,
} as const;

/** ObjectHeader: type u8, flags u8, 6 reserved bytes, size le64. */
export const OBJECT_HEADER_SIZE = 16;

/** DATA object fields after the object header. */
export const DATA = {
  hash: 16,
  nextHashOffset: 24,
  nextFieldOffset: 32,
  entryOffset: 40,
  entryArrayOffset: 48,
  nEntries: 56,
  /** payload start: 64, or 72 in compact files (tail_entry_array_offset/n_entries le32 first) */
  payload: 64,
  payloadCompact: 72,
} as const;

/** FIELD object: hash, next_hash_offset, head_data_offset, payload. */
export const FIELD = { hash: 16, nextHashOffset: 24, headDataOffset: 32, payload: 40 } as const;

/** ENTRY object: seqnum, realtime, monotonic, boot_id[16], xor_hash, items. */
export const ENTRY = {
  seqnum: 16,
  realtime: 24,
  monotonic: 32,
  bootId: 40,
  xorHash: 56,
  items: 64,
} as const;

/** ENTRY_ARRAY object: next_entry_array_offset, items. */
export const ENTRY_ARRAY = { next: 16, items: 24 } as const;

/** A hash table item: head_hash_offset le64, tail_hash_offset le64. */
export const HASH_ITEM_SIZE = 16;
