// Every linked list a journal file holds (entry array chains, hash chains,
// a field's DATA chain) is followed through offsets the file itself supplies,
// so a hostile or damaged file can close any of them into a loop. A walk asks
// a ChainGuard before each hop: it notices a cycle after at most twice the
// loop's length (Brent's algorithm: O(1) memory, no per-hop allocation), and
// stops any chain longer than the file could hold distinct objects.

export class ChainGuard {
  private tortoise = -1;
  private power = 1;
  private lambda = 0;
  private hops = 0;
  private readonly maxHops: number;

  /** `maxHops`: more hops than this means a cycle (e.g. file size / smallest object). */
  constructor(maxHops: number) {
    this.maxHops = maxHops;
  }

  /** False when stepping to `offset` would repeat the walk (a cycle) or exceed the bound. */
  step(offset: number): boolean {
    if (offset === this.tortoise || ++this.hops > this.maxHops) return false;
    if (++this.lambda === this.power) {
      this.tortoise = offset;
      this.power *= 2;
      this.lambda = 0;
    }
    return true;
  }
}
