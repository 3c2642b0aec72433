// Reads coredump entries out of the journal files incrementally (issue 18
// item 4): each file is remembered by its file ID with the entry count and the
// last entry offset read, so a scrape opens each file's header, skips files
// that did not grow, and reads only entries appended since. The work of a
// scrape is O(new entries), plus one hash lookup per grown file.
import {
  HeadFields,
  JournalFile,
  JournalFileError,
  matchingOffsets,
  type EntryHead,
} from '@coredump-ts/journal/read';
import { FIELD, MESSAGE_ID_COREDUMP } from '@coredump-ts/protocol';

import { isTrustedEntry, type TrustPolicy } from './trust.js';

/** The fields of a coredump entry the metrics need, as text (undefined when absent). */
export interface CoredumpRecord {
  readonly bootId: string;
  readonly exe: string;
  readonly signalName: string;
  readonly signature: string | undefined;
  readonly stored: boolean;
  readonly suppressed: boolean;
}

const WANTED = [
  FIELD.EXE,
  FIELD.COMM,
  FIELD.SIGNAL_NAME,
  FIELD.SIGNAL,
  FIELD.FILENAME,
  FIELD.PRIORITY,
  'COREDUMP_TS_SIGNATURE',
  'COREDUMP_TS_RATE_LIMITED',
  '_UID',
  '_SYSTEMD_UNIT',
] as const;
const WANTED_SET: ReadonlySet<string> = new Set(WANTED);
const OPTIONS = { wanted: WANTED_SET, nullAtBytes: 4096 } as const;
/** sd-journal's LOG_WARNING: entries of a lower priority are not coredumps for the metrics. */
const MAX_PRIORITY = 4;
/** Keys of entries counted, to count a copy of one entry in two files once; bounded. */
const MAX_SEEN_KEYS = 200_000;

interface FileMark {
  nEntries: number;
  lastOffset: number;
}

export interface ScanStats {
  readonly files: number;
  readonly filesRead: number;
  readonly entriesRead: number;
  readonly errors: readonly string[];
}

export interface CollectorOptions {
  /** The journal files to read now (called on every scan: files come and go). */
  readonly files: () => readonly string[];
  readonly trust: TrustPolicy;
  /** Only entries of this boot (journald's _BOOT_ID, 32 hex digits) are counted. */
  readonly bootId: string;
}

export class CoredumpCollector {
  private readonly marks = new Map<string, FileMark>();
  private readonly seen = new Set<string>();
  private readonly records: CoredumpRecord[] = [];
  private untrustedCount = 0;
  private readonly head = new HeadFields();

  constructor(private readonly opts: CollectorOptions) {}

  /** Every counted record so far (current boot, trusted, not a duplicate). */
  get all(): readonly CoredumpRecord[] {
    return this.records;
  }

  /** Coredump-like entries of this boot refused by the trust policy. */
  get untrusted(): number {
    return this.untrustedCount;
  }

  scan(): ScanStats {
    const errors: string[] = [];
    let filesRead = 0;
    let entriesRead = 0;
    const paths = this.opts.files();
    for (const path of paths) {
      let file: JournalFile;
      try {
        file = JournalFile.open(path);
      } catch (error) {
        if (!(error instanceof JournalFileError) || error.reason !== 'io') {
          errors.push(message(error));
        }
        continue; // a file rotated away between listing and opening is normal
      }
      try {
        const id = file.fileId.toString('hex');
        const mark = this.marks.get(id) ?? { nEntries: -1, lastOffset: 0 };
        if (mark.nEntries === file.nEntries) continue;
        filesRead++;
        const offsets = matchingOffsets(file, [`MESSAGE_ID=${MESSAGE_ID_COREDUMP}`]);
        // Entry offsets grow as a file is appended to: the new ones are at the end.
        let i = offsets.length;
        while (i > 0 && (offsets[i - 1] ?? 0) > mark.lastOffset) i--;
        for (; i < offsets.length; i++) {
          const offset = offsets[i] ?? 0;
          entriesRead++;
          if (file.readHead(offset, this.head)) this.take(file.makeHead(offset, this.head));
          mark.lastOffset = offset;
        }
        mark.nEntries = file.nEntries;
        this.marks.set(id, mark);
      } catch (error) {
        errors.push(message(error));
      } finally {
        file.close();
      }
    }
    return { files: paths.length, filesRead, entriesRead, errors };
  }

  private take(head: EntryHead): void {
    const bootId = Buffer.from(head.bootId, 'latin1').toString('hex');
    if (bootId !== this.opts.bootId) return;
    const key = `${head.seqnum}:${head.realtimeUsec}:${head.monotonicUsec}:${head.xorHashHigh}:${head.xorHashLow}`;
    if (this.seen.has(key)) return;
    const texts: (string | null | undefined)[] = [];
    head.file.entryTexts(head.offset, OPTIONS, texts);
    const t = new Map<string, string | undefined>();
    // entryTexts fills `texts` at each field's place in the wanted set (its iteration order).
    [...WANTED_SET].forEach((name, i) => t.set(name, texts[i] ?? undefined));
    const priority = Number(t.get(FIELD.PRIORITY) ?? '6');
    if (!(priority <= MAX_PRIORITY)) return;
    if (
      !isTrustedEntry({ uid: t.get('_UID'), systemdUnit: t.get('_SYSTEMD_UNIT') }, this.opts.trust)
    ) {
      this.untrustedCount++;
      return;
    }
    if (this.seen.size >= MAX_SEEN_KEYS) this.seen.clear();
    this.seen.add(key);
    const signalName = t.get(FIELD.SIGNAL_NAME) ?? signalFallback(t.get(FIELD.SIGNAL));
    this.records.push({
      bootId,
      exe: t.get(FIELD.EXE) ?? t.get(FIELD.COMM) ?? '',
      signalName,
      signature: t.get('COREDUMP_TS_SIGNATURE'),
      stored: t.get(FIELD.FILENAME) !== undefined,
      suppressed: t.get('COREDUMP_TS_RATE_LIMITED') === '1',
    });
  }
}

function signalFallback(n: string | undefined): string {
  return n === undefined ? '' : `SIG${n}`;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
