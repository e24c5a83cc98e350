import * as net from 'node:net';

/**
 * The fixed port (8765 by default) may be taken. We tell apart an older or second copy of this
 * runtime (it answers `/health` as us; the single-instance lock does not cover a headless runtime
 * or a copy run by another user) from some other program, and offer a free port.
 */

export type PortOwner =
  | { kind: 'raven'; version?: string; agents?: number }
  | { kind: 'other'; detail: string };

export type FetchLike = (url: string, init?: { signal?: AbortSignal; headers?: Record<string, string> }) => Promise<{
  ok: boolean;
  status: number;
  text(): Promise<string>;
}>;

/** Recognises our `/health` body: it names the runtime (see src-main/server). */
export function ravenHealth(body: unknown): { version?: string; agents?: number } | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  const runtime = typeof record.runtime === 'object' && record.runtime !== null ? (record.runtime as Record<string, unknown>) : {};
  const names = [record.service, record.name, record.product, runtime.name].filter((v): v is string => typeof v === 'string');
  if (!names.some((n) => /raven/i.test(n) && /runtime/i.test(n))) return undefined;
  const version = typeof record.version === 'string' ? record.version : undefined;
  const agents = typeof record.activeAgents === 'number' ? record.activeAgents : undefined;
  return { version, agents };
}

/** Health paths to try: the root one, then the Parallax-compatible `/api` one. */
const HEALTH_PATHS = ['/health', '/api/health'];
/** A local HTTP server answers in milliseconds; anything slower is not worth waiting for at start-up. */
const PROBE_TIMEOUT_MS = 1_500;

export async function identifyPortOwner(host: string, port: number, fetchImpl: FetchLike): Promise<PortOwner> {
  const hostPart = host.includes(':') ? `[${host}]` : host;
  let lastDetail = 'it does not answer HTTP';
  for (const path of HEALTH_PATHS) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), PROBE_TIMEOUT_MS);
    try {
      const response = await fetchImpl(`http://${hostPart}:${port}${path}`, { signal: controller.signal });
      const text = await response.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      const ours = ravenHealth(body);
      // A 401 from our own runtime still names it in the body.
      if (ours) return { kind: 'raven', ...ours };
      lastDetail = `it answers HTTP ${response.status} but is not Raven Agent Runtime`;
    } catch {
      // Not HTTP, or too slow: try the next path, then give up.
    } finally {
      clearTimeout(timer);
    }
  }
  return { kind: 'other', detail: lastDetail };
}

/** True when nothing listens on host:port (we can bind it). */
export function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The next free port after `start` (skipping `start` itself), or undefined after `attempts` tries. */
export async function findFreePort(
  start: number,
  isFree: (port: number) => Promise<boolean>,
  attempts = 20,
): Promise<number | undefined> {
  for (let port = start + 1; port <= Math.min(65535, start + attempts); port++) {
    if (await isFree(port)) return port;
  }
  return undefined;
}

export interface PortConflictMessage {
  title: string;
  message: string;
  detail: string;
  /** Button labels in order; `choices[i]` is what button i means. */
  buttons: string[];
  choices: PortConflictChoice[];
  /** Escape / closing the dialog means "Not now". */
  cancelId: number;
  /** The notification text (short). */
  notice: string;
}

/**
 * No "Open Settings" here: the settings page is served by the very server that could not start.
 * Dismissing the dialog keeps the app in the tray, in the error state, with a Retry item.
 */
export type PortConflictChoice = 'use-suggested' | 'retry' | 'dismiss' | 'quit';

export function portConflictMessage(port: number, owner: PortOwner, suggestion: number | undefined): PortConflictMessage {
  const title = 'Port in use';
  const message =
    owner.kind === 'raven'
      ? `Another copy of Raven Agent Runtime${owner.version ? ` (version ${owner.version})` : ''} is already using port ${port}.`
      : `Port ${port} is used by another program.`;
  const detail =
    owner.kind === 'raven'
      ? 'It may be an older version of this app, or a headless runtime started with "npx raven-runtime start". ' +
        'Quit it and retry, or run this copy on another port (Raven Docs must then point at the new address).'
      : `Raven Agent Runtime could not start its API server there (${owner.detail}). ` +
        'Choose another port; Raven Docs must then point at the new address.';
  const buttons: string[] = [];
  const choices: PortConflictChoice[] = [];
  if (suggestion !== undefined) {
    buttons.push(`Use port ${suggestion}`);
    choices.push('use-suggested');
  }
  buttons.push('Retry', 'Not now', 'Quit');
  choices.push('retry', 'dismiss', 'quit');
  const notice = owner.kind === 'raven' ? `Port ${port} is taken by another Raven Agent Runtime.` : `Port ${port} is taken by another program.`;
  return { title, message, detail, buttons, choices, cancelId: choices.indexOf('dismiss'), notice };
}
