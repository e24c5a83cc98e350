/**
 * A typed event source, in place of hand-rolled `Set`s of listeners. `Args` is the listener's
 * parameter list, so a two-argument event stays two arguments: `Emitter<[thread: ThreadHandle,
 * event: ThreadEvent]>`. Plain TypeScript, so the server, the desktop app and the UI can all use it.
 *
 * Semantics that hand-rolled sets got subtly different from place to place:
 * - each `on` is its own subscription: subscribing one function twice calls it twice, and each
 *   returned Disposable removes only its own subscription (disposing twice is harmless);
 * - an `emit` calls the listeners subscribed when it began; one unsubscribed by an earlier listener
 *   of the same emit is not called, one subscribed during it waits for the next emit;
 * - a listener that throws does not stop the others: with `onListenerError` the error is reported
 *   there, without it the first error is rethrown once every listener has run, so nothing is lost.
 */

export interface Disposable {
  dispose(): void;
}

export type Listener<Args extends unknown[]> = (...args: Args) => void;

export interface EmitterOptions {
  /** Where a listener's exception goes; without it `emit` rethrows the first one at the end. */
  onListenerError?: (error: unknown) => void;
}

interface Subscription<Args extends unknown[]> {
  listener: Listener<Args>;
  live: boolean;
}

export class Emitter<Args extends unknown[]> implements Disposable {
  private subscriptions: Subscription<Args>[] = [];
  private disposed = false;

  constructor(private readonly options: EmitterOptions = {}) {}

  /** Listeners currently subscribed. */
  get size(): number {
    return this.subscriptions.length;
  }

  on(listener: Listener<Args>): Disposable {
    if (this.disposed) return { dispose: () => undefined };
    const subscription: Subscription<Args> = { listener, live: true };
    // A new array, so an emit already iterating keeps its own list.
    this.subscriptions = [...this.subscriptions, subscription];
    return {
      dispose: () => {
        if (!subscription.live) return;
        subscription.live = false;
        this.subscriptions = this.subscriptions.filter((entry) => entry !== subscription);
      },
    };
  }

  emit(...args: Args): void {
    let firstError: { error: unknown } | undefined;
    for (const subscription of this.subscriptions) {
      if (!subscription.live) continue;
      try {
        subscription.listener(...args);
      } catch (error) {
        if (this.options.onListenerError) this.options.onListenerError(error);
        else firstError ??= { error };
      }
    }
    if (firstError) throw firstError.error;
  }

  /** Drops every listener; later `on` calls subscribe nothing and `emit` calls no one. */
  dispose(): void {
    this.disposed = true;
    for (const subscription of this.subscriptions) subscription.live = false;
    this.subscriptions = [];
  }
}
