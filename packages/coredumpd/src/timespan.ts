// systemd's format_timespan() for the manager's messages ("5min", "1min 30s",
// "300ms"): the largest units first, zero parts left out.
const UNITS: readonly (readonly [string, number])[] = [
  ['y', 31_557_600_000_000],
  ['month', 2_629_800_000_000],
  ['w', 604_800_000_000],
  ['d', 86_400_000_000],
  ['h', 3_600_000_000],
  ['min', 60_000_000],
  ['s', 1_000_000],
  ['ms', 1_000],
  ['us', 1],
];

export function formatTimespan(usec: number): string {
  if (!Number.isFinite(usec)) return 'infinity';
  let left = Math.max(0, Math.round(usec));
  if (left === 0) return '0';
  const parts: string[] = [];
  for (const [unit, size] of UNITS) {
    if (left < size) continue;
    parts.push(`${String(Math.floor(left / size))}${unit}`);
    left %= size;
  }
  return parts.join(' ');
}
