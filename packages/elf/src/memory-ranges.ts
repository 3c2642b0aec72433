// Kept memory pieces (from the stream and from readMemory) as the disjoint, address-ordered
// ranges the writer turns into PT_LOAD segments. Overlaps keep the first piece's bytes;
// touching pieces with the same flags merge; gaps stay gaps.
import type { MemoryRange } from './write-core.js';

export interface MemoryPiece {
  readonly address: bigint;
  readonly flags: number;
  readonly data: Buffer;
}

export function mergeMemory(pieces: readonly MemoryPiece[]): MemoryRange[] {
  const sorted = [...pieces].sort((a, b) =>
    a.address < b.address ? -1 : a.address > b.address ? 1 : 0,
  );
  const ranges: { address: bigint; flags: number; parts: Buffer[]; size: number }[] = [];
  let end = 0n;
  for (const piece of sorted) {
    let { address, data } = piece;
    if (address < end) {
      const overlap = end - address;
      if (overlap >= BigInt(data.length)) continue;
      data = data.subarray(Number(overlap));
      address = end;
    }
    const last = ranges[ranges.length - 1];
    if (last !== undefined && address === end && last.flags === piece.flags) {
      last.parts.push(data);
      last.size += data.length;
    } else {
      ranges.push({ address, flags: piece.flags, parts: [data], size: data.length });
    }
    end = address + BigInt(data.length);
  }
  return ranges;
}
