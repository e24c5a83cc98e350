/**
 * Waits for a condition that some other party (a PTY, a server, a socket) will make true, by
 * looking again every `intervalMs`. For conditions that have no event to wait on; where an event
 * exists, wait on the event instead.
 *
 * Resolves with the probe's first truthy value (so a probe can return what it found), and rejects
 * naming `what` when `timeoutMs` passes first. A probe that throws fails the wait at once: an
 * error is not "not yet".
 */
export async function until<T>(
  probe: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = 'condition',
  intervalMs = 25,
): Promise<Exclude<T, undefined | null | false | 0 | ''>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as Exclude<T, undefined | null | false | 0 | ''>;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise<void>((resolve) => setTimeout(resolve, intervalMs));
  }
}
