import type { Logger } from '../runtime/logger';

/**
 * The last line of defence of a long-running runtime process: an exception or rejection that
 * escaped every handler is logged and the process carries on, because exiting would kill every
 * agent the user has running. Handlers are total on their own (see docs/security.md); this only
 * catches what slips through. The headless CLI installs it for its whole life; `startServer`
 * installs it while the server runs (the desktop app) and hands what it catches to
 * `ServerOptions.onFault`, which the test harness counts: under test a stray throw still fails.
 */

/** The part of `process` the guard uses (injected in tests). */
export interface GuardedProcess {
  on(event: 'uncaughtException', listener: (error: Error) => void): unknown;
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
  off(event: 'uncaughtException', listener: (error: Error) => void): unknown;
  off(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
}

function describe(value: unknown): string {
  return value instanceof Error ? (value.stack ?? value.message) : String(value);
}

/** Installs the guard; returns a function that removes it. `onFault` also hears each one. */
export function installProcessGuard(logger: Logger, target: GuardedProcess = process, onFault?: (kind: string, error: unknown) => void): () => void {
  const onException = (error: Error) => {
    logger.error('uncaught exception (survived; please report it)', { error: describe(error) });
    onFault?.('uncaughtException', error);
  };
  const onRejection = (reason: unknown) => {
    logger.error('unhandled rejection (survived; please report it)', { error: describe(reason) });
    onFault?.('unhandledRejection', reason);
  };
  target.on('uncaughtException', onException);
  target.on('unhandledRejection', onRejection);
  return () => {
    target.off('uncaughtException', onException);
    target.off('unhandledRejection', onRejection);
  };
}
