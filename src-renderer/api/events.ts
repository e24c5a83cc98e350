import type { AgentHandle } from '../../src-shared/agent';
import type { EventsServerFrame } from '../../src-shared/api';
import { RUNTIME_EVENT_TYPES, type EventFrame, type RuntimeEvent } from '../../src-shared/events';
import type { ApiClient } from './client';

/**
 * `/ws/events`: a snapshot of every agent on connect, then one frame per runtime event. Reconnects
 * with backoff; every reconnect starts with a fresh snapshot, so nothing is lost while away.
 */

export type EventsState = 'connecting' | 'open' | 'reconnecting';

export interface EventsHandlers {
  snapshot(agents: AgentHandle[]): void;
  event(event: RuntimeEvent, timestamp: string): void;
  state(state: EventsState, detail?: string): void;
  /** The socket keeps failing before it opens: maybe the API key is wrong (browsers hide the 401). */
  failing(attempts: number): void;
  /** The runtime announced its shutdown (its agents' `agent_stopped` follow, then the socket closes). */
  stopping(reason: string): void;
}

/** Backoff steps; a runtime restart is usually back within the first two. */
const BACKOFF_MS = [300, 1_000, 2_000, 4_000, 8_000];
/** Ping so proxies and sleeping laptops notice a dead socket; the server pings too. */
const PING_MS = 25_000;

function isRuntimeEventFrame(frame: EventsServerFrame): frame is EventFrame {
  return 'event' in frame && (RUNTIME_EVENT_TYPES as readonly string[]).includes(frame.event);
}

export class EventsConnection {
  private ws: WebSocket | undefined;
  private attempts = 0;
  private timer: number | undefined;
  private pingTimer: number | undefined;
  private closed = false;

  constructor(
    private readonly api: ApiClient,
    private readonly handlers: EventsHandlers,
  ) {}

  start(): void {
    this.closed = false;
    this.connect();
  }

  /** Reconnect now (after the API key changed). */
  restart(): void {
    this.ws?.close();
    this.ws = undefined;
    window.clearTimeout(this.timer);
    this.attempts = 0;
    this.connect();
  }

  close(): void {
    this.closed = true;
    window.clearTimeout(this.timer);
    window.clearInterval(this.pingTimer);
    this.ws?.close();
  }

  private connect(): void {
    if (this.closed) return;
    this.handlers.state(this.attempts === 0 ? 'connecting' : 'reconnecting');
    const ws = new WebSocket(this.api.socketUrl('/ws/events'));
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      this.attempts = 0;
      this.handlers.state('open');
      window.clearInterval(this.pingTimer);
      this.pingTimer = window.setInterval(() => {
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'ping' }));
      }, PING_MS);
    };
    ws.onmessage = (message) => {
      if (typeof message.data !== 'string') return;
      let frame: EventsServerFrame;
      try {
        frame = JSON.parse(message.data) as EventsServerFrame;
      } catch {
        return;
      }
      if ('event' in frame && frame.event === 'snapshot') {
        this.handlers.snapshot(frame.data.agents);
      } else if ('event' in frame && frame.event === 'runtime_stopping') {
        this.handlers.stopping(frame.data.reason);
      } else if (isRuntimeEventFrame(frame)) {
        this.handlers.event({ type: frame.event, ...frame.data } as RuntimeEvent, frame.timestamp);
      }
    };
    ws.onclose = () => {
      window.clearInterval(this.pingTimer);
      if (this.ws !== ws || this.closed) return;
      this.attempts++;
      if (!opened) this.handlers.failing(this.attempts);
      this.handlers.state('reconnecting', 'Lost the connection to the runtime; reconnecting…');
      const delay = BACKOFF_MS[Math.min(this.attempts - 1, BACKOFF_MS.length - 1)];
      this.timer = window.setTimeout(() => this.connect(), delay);
    };
  }
}
