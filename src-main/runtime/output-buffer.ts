/**
 * The last `capacity` characters of raw output, escape sequences included. Raven's login poller
 * treats an empty `/output` as "session gone", so this is never cleared while the session lives
 * (docs/compatibility.md "Recent output").
 */
export class OutputBuffer {
  private chunks: string[] = [];
  private size = 0;

  constructor(private readonly capacity: number = 256 * 1024) {}

  append(data: string): void {
    if (data.length === 0) return;
    this.chunks.push(data);
    this.size += data.length;
    if (this.size - this.chunks[0].length < this.capacity) return;
    // Drop whole chunks from the front while what remains still fills the capacity.
    while (this.chunks.length > 1 && this.size - this.chunks[0].length >= this.capacity) {
      this.size -= (this.chunks.shift() as string).length;
    }
  }

  /** The buffered output, trimmed to exactly `capacity` characters at most. */
  toString(): string {
    const joined = this.chunks.join('');
    this.chunks = joined.length > 0 ? [joined] : [];
    return joined.length > this.capacity ? joined.slice(joined.length - this.capacity) : joined;
  }

  get length(): number {
    return Math.min(this.size, this.capacity);
  }
}
