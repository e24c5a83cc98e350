/**
 * The clones a Raven spawn has under way. At shutdown the server aborts them (git and its helpers
 * are killed) and waits until each has removed its folder, so no clone outlives the runtime and no
 * half-cloned scratch folder stays behind.
 */
export class CloneTracker {
  private readonly controller = new AbortController();
  private readonly running = new Set<Promise<unknown>>();

  get size(): number {
    return this.running.size;
  }

  /** Runs `clone` with the shutdown signal; refused outright once shutdown has begun. */
  track<T>(clone: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const run = clone(this.controller.signal);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.running.add(settled);
    void settled.then(() => this.running.delete(settled));
    return run;
  }

  /** Aborts every clone and resolves once each has finished cleaning up. */
  async stopAll(): Promise<void> {
    this.controller.abort();
    await Promise.all([...this.running]);
  }
}
