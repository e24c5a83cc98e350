import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { WS_CLOSE, type LegacyClientFrame, type LegacySendResultFrame, type PongFrame } from '../../src-shared/api';
import type { ErrorCode } from '../../src-shared/errors';
import { EVENTS_MAX_BUFFERED_BYTES, EVENTS_MAX_PAYLOAD_BYTES, MAX_ID_CHARS, TERMINAL_MAX_PAYLOAD_BYTES } from '../../src-shared/limits';
import { RuntimeError } from '../runtime/errors';
import type { ServerContext } from './context';
import { errorBody } from './errors';
import { parseRequestTarget } from './request-target';
import { frameText, parseTypedFrame } from './socket-frames';
import { keyCandidates, type SecurityPolicy } from './security';
import type { TerminalAttachOptions } from './terminal-hub';

/**
 * The WebSocket side: upgrades are checked (Host, Origin, API key) before `ws` sees them
 * (`noServer`, as the ws docs recommend over verifyClient), then routed to the terminal hub or the
 * events fan-out. A ping every HEARTBEAT_MS reaps peers that vanished without closing.
 */

/** Dead peers (a laptop lid closed) are noticed within a minute; idle traffic stays negligible. */
const HEARTBEAT_MS = 30_000;
/** On shutdown, how long clients get to finish the closing handshake before being cut. */
const CLOSE_GRACE_MS = 1_000;

const TERMINAL_PATH = /^\/ws\/agents\/([^/]+)\/terminal\/?$/;
const EVENTS_PATH = /^\/ws\/events\/?$/;
/** Parallax's general socket (docs/compatibility.md "Parallax's general socket"): the control plane's RuntimeClient connects to `<base>/ws`. */
const LEGACY_PATH = /^\/(ws\/?)?$/;

function refuse(socket: Duplex, status: number, code: ErrorCode, message: string, extraHeaders: string[] = []): void {
  const body = JSON.stringify(errorBody(code, message));
  socket.end(
    [
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
      'Content-Type: application/json; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Connection: close',
      ...extraHeaders,
      '',
      body,
    ].join('\r\n'),
  );
}

/** The client frames the event sockets understand; anything else is `undefined` (ignored). */
function parseClientFrame(data: RawData): LegacyClientFrame | undefined {
  const frame = parseTypedFrame(frameText(data));
  if (!frame) return undefined;
  if (frame.type === 'ping') return { type: 'ping' };
  if (frame.type === 'send' && typeof frame.agentId === 'string' && typeof frame.message === 'string') {
    return { type: 'send', agentId: frame.agentId, message: frame.message };
  }
  return undefined;
}

function flag(value: string | null, fallback: boolean): boolean | undefined {
  if (value === null) return fallback;
  if (value === '1' || value === 'true') return true;
  if (value === '0' || value === 'false') return false;
  return undefined;
}

export class SocketServer {
  private readonly terminalWss = new WebSocketServer({ noServer: true, maxPayload: TERMINAL_MAX_PAYLOAD_BYTES, perMessageDeflate: false });
  private readonly eventsWss = new WebSocketServer({ noServer: true, maxPayload: EVENTS_MAX_PAYLOAD_BYTES, perMessageDeflate: false });
  private readonly awaitingPong = new Set<WebSocket>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly ctx: ServerContext,
    private readonly policy: SecurityPolicy,
    private readonly terminalHello: boolean,
  ) {
    this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Total: whatever the request holds, this answers it (or drops the socket) and never throws. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    try {
      this.routeUpgrade(req, socket, head);
    } catch (error) {
      this.ctx.reportFault('websocket upgrade', error);
      if (!socket.destroyed && socket.writable) refuse(socket, 500, 'INTERNAL', 'Internal server error.');
      else socket.destroy();
    }
  }

  private routeUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Host and Origin come first: they need nothing parsed, and a hostile page gets no further.
    if (!this.policy.hostAllowed(req.headers.host)) {
      this.ctx.logger.warn('rejected upgrade: Host not allowed', { host: req.headers.host ?? '' });
      refuse(socket, 403, 'FORBIDDEN', 'Host header not allowed.');
      return;
    }
    if (!this.policy.originAllowed(req.headers.origin)) {
      this.ctx.logger.warn('rejected upgrade: Origin not allowed', { origin: req.headers.origin ?? '' });
      refuse(socket, 403, 'FORBIDDEN', 'Origin not allowed.');
      return;
    }
    const url = parseRequestTarget(req.url);
    const candidates = keyCandidates(req.headers, url.query.get('token') ?? undefined);
    if (!this.policy.keyAccepted(candidates)) {
      this.ctx.logger.warn('rejected upgrade: API key missing or wrong', { path: url.pathname, tried: candidates.map((c) => c.scheme) });
      refuse(socket, 401, 'UNAUTHORIZED', candidates.length === 0 ? 'API key required (header, or ?token=).' : 'Wrong API key.', [
        'WWW-Authenticate: Bearer realm="raven-runtime"',
      ]);
      return;
    }
    const terminal = TERMINAL_PATH.exec(url.pathname);
    if (terminal) {
      let agentId: string;
      try {
        agentId = decodeURIComponent(terminal[1]);
      } catch {
        refuse(socket, 400, 'VALIDATION_ERROR', 'Malformed agent id in the path.');
        return;
      }
      if (this.ctx.terminals.viewerCount(agentId) >= this.ctx.limits.viewersPerAgent) {
        refuse(socket, 503, 'LIMIT_REACHED', `This agent already has ${this.ctx.limits.viewersPerAgent} terminal viewers; close one first.`, ['Retry-After: 5']);
        return;
      }
      this.terminalWss.handleUpgrade(req, socket, head, (ws) => this.guarded('terminal socket open', ws, () => this.openTerminal(ws, agentId, url.query)));
      return;
    }
    const format = EVENTS_PATH.test(url.pathname) ? 'events' : LEGACY_PATH.test(url.pathname) ? 'legacy' : undefined;
    if (format === undefined) {
      refuse(socket, 404, 'NOT_FOUND', `No WebSocket at ${url.pathname.slice(0, 200)}. Use /ws/events, /ws or /ws/agents/:id/terminal.`);
      return;
    }
    if (this.ctx.events.size >= this.ctx.limits.eventSubscribers) {
      refuse(socket, 503, 'LIMIT_REACHED', `${this.ctx.limits.eventSubscribers} event subscribers are connected already; close one first.`, ['Retry-After: 5']);
      return;
    }
    this.eventsWss.handleUpgrade(req, socket, head, (ws) => this.guarded('events socket open', ws, () => this.openEvents(ws, url.query, format)));
  }

  /** Runs a socket step; if it throws, that socket alone is closed (1011) and the fault reported. */
  private guarded(where: string, ws: WebSocket, step: () => void): void {
    try {
      step();
    } catch (error) {
      this.ctx.reportFault(where, error);
      ws.close(WS_CLOSE.INTERNAL_ERROR, 'Internal server error');
    }
  }

  private track(ws: WebSocket): void {
    ws.on('pong', () => this.awaitingPong.delete(ws));
    ws.on('close', () => this.awaitingPong.delete(ws));
  }

  private openTerminal(ws: WebSocket, agentId: string, query: URLSearchParams): void {
    this.track(ws);
    // `frames` is the current name; `hello` is the older one and still works. With neither, the
    // server's default applies (off unless --terminal-hello), so Raven's xterm gets bytes only.
    const hello = flag(query.get('hello'), this.terminalHello);
    const frames = query.get('frames') === null ? hello : flag(query.get('frames'), this.terminalHello);
    const replay = flag(query.get('replay'), true);
    const modeParam = query.get('mode');
    // `auto` and `control` are the shared-input default (older clients send them); `view` is read-only.
    const mode = modeParam === null || modeParam === 'auto' || modeParam === 'control' ? 'control' : modeParam === 'view' ? 'view' : undefined;
    if (hello === undefined || frames === undefined || replay === undefined || mode === undefined) {
      ws.close(WS_CLOSE.BAD_REQUEST, 'frames, hello and replay take 0/1; mode takes view or control');
      return;
    }
    const options: TerminalAttachOptions = { frames, replay, mode };
    this.ctx.terminals.attach(ws, agentId, options);
  }

  private openEvents(ws: WebSocket, query: URLSearchParams, format: 'events' | 'legacy'): void {
    this.track(ws);
    const agentId = query.get('agentId') ?? undefined;
    const threadId = query.get('threadId') ?? undefined;
    for (const [name, value] of [['agentId', agentId], ['threadId', threadId]] as const) {
      if (value !== undefined && (value === '' || value.length > MAX_ID_CHARS)) {
        ws.close(WS_CLOSE.BAD_REQUEST, `${name} must be 1-${MAX_ID_CHARS} characters`);
        return;
      }
    }
    const unsubscribe = this.ctx.events.subscribe({
      agentId,
      threadId,
      format,
      send: (frame) => {
        if (ws.readyState !== WebSocket.OPEN) return;
        if (ws.bufferedAmount > EVENTS_MAX_BUFFERED_BYTES) {
          this.ctx.logger.warn('closing an events socket that stopped reading', { agentId: agentId ?? '' });
          ws.close(WS_CLOSE.TOO_SLOW, 'Too slow: reconnect for a fresh snapshot');
          setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
          return;
        }
        ws.send(frame);
      },
    });
    ws.on('message', (data) => this.guarded('events socket message', ws, () => {
      // Parallax's protocol: {"type":"ping"} → pong; on /ws also {"type":"send",agentId,message}.
      // Every other client frame is ignored, as Parallax ignores it.
      const frame = parseClientFrame(data);
      if (frame?.type === 'ping') {
        const pong: PongFrame = { type: 'pong', timestamp: new Date().toISOString() };
        ws.send(JSON.stringify(pong));
      } else if (frame?.type === 'send' && format === 'legacy') {
        void this.legacySend(ws, frame.agentId, frame.message);
      }
    }));
    ws.on('close', unsubscribe);
    ws.on('error', (error) => this.ctx.logger.debug('events socket error', { error: error.message }));
  }

  /** `{"type":"send"}` on `/ws`: delivers the message (not waiting for the reply, which arrives as a `message` event). */
  private async legacySend(ws: WebSocket, agentId: string, message: string): Promise<void> {
    let answer: LegacySendResultFrame;
    try {
      await this.ctx.manager.send(agentId, message, { expectResponse: false });
      answer = { type: 'sent', agentId, timestamp: new Date().toISOString() };
    } catch (error) {
      const code = error instanceof RuntimeError ? error.code : 'INTERNAL';
      answer = { type: 'error', agentId, code, error: (error as Error).message, timestamp: new Date().toISOString() };
    }
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(answer));
  }

  private beat(): void {
    for (const ws of [...this.terminalWss.clients, ...this.eventsWss.clients]) {
      if (this.awaitingPong.has(ws)) {
        ws.terminate();
        continue;
      }
      this.awaitingPong.add(ws);
      ws.ping();
    }
  }

  /** Closes every socket, waiting briefly for the closing handshakes. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    this.ctx.terminals.closeAll();
    for (const ws of this.eventsWss.clients) ws.close(WS_CLOSE.GOING_AWAY, 'Server shutting down');
    const all = () => [...this.terminalWss.clients, ...this.eventsWss.clients];
    const deadline = Date.now() + CLOSE_GRACE_MS;
    while (all().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    for (const ws of all()) ws.terminate();
    await Promise.all([new Promise((resolve) => this.terminalWss.close(resolve)), new Promise((resolve) => this.eventsWss.close(resolve))]);
  }
}
