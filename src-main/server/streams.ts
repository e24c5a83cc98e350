import type { Response } from 'express';
import type { StreamMessage } from '../../src-shared/api';
import { EVENTS_MAX_BUFFERED_BYTES } from '../../src-shared/limits';
import type { ServerContext } from './context';
import { OutputPump } from './output-pump';

/**
 * Long-lived HTTP responses: `GET /events` (SSE, the same frames as `/ws/events`) and
 * `GET /agents/:id/stream` (live output as chunked text for `curl -N`, or SSE).
 */

/** Proxies and browsers drop connections idle for ~30–60 s; a comment line twice as often keeps them open. */
const KEEPALIVE_MS = 15_000;

/** Open streaming responses, so shutdown can end them. */
export class StreamRegistry {
  private readonly open = new Set<Response>();
  private nextId = 1;

  get size(): number {
    return this.open.size;
  }

  track(res: Response): { id: number; untrack: () => void } {
    this.open.add(res);
    return { id: this.nextId++, untrack: () => this.open.delete(res) };
  }

  closeAll(): void {
    for (const res of this.open) res.end();
    this.open.clear();
  }
}

function startStream(res: Response, contentType: string): void {
  res.status(200);
  res.setHeader('Content-Type', contentType);
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  // nginx and similar buffer responses unless told not to.
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  res.socket?.setNoDelay(true);
}

function sseData(json: string): string {
  return `data: ${json}\n\n`;
}

/** `GET /events`: the snapshot frame, then every runtime and thread event (optionally one agent's or thread's). */
export function serveEventStream(ctx: ServerContext, res: Response, filter: { agentId?: string; threadId?: string }): void {
  const { agentId } = filter;
  startStream(res, 'text/event-stream; charset=utf-8');
  const { untrack } = ctx.streams.track(res);
  let closed = false;
  const unsubscribe = ctx.events.subscribe({
    ...filter,
    send: (frame) => {
      if (closed) return;
      if (res.writableLength > EVENTS_MAX_BUFFERED_BYTES) {
        ctx.logger.warn('ending an event stream that stopped reading', { agentId: agentId ?? '' });
        res.destroy();
        return;
      }
      res.write(sseData(frame));
    },
  });
  const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
  res.on('close', () => {
    closed = true;
    clearInterval(keepalive);
    unsubscribe();
    untrack();
  });
}

/** `GET /agents/:id/stream`: live output until the agent stops or the client goes away. */
export function serveAgentStream(ctx: ServerContext, res: Response, agentId: string, format: 'text' | 'sse'): void {
  const session = ctx.manager.sessionFor(agentId); // AGENT_NOT_FOUND before any header is sent
  startStream(res, format === 'sse' ? 'text/event-stream; charset=utf-8' : 'text/plain; charset=utf-8');
  const { id, untrack } = ctx.streams.track(res);
  const message = (m: StreamMessage) => sseData(JSON.stringify(m));
  const finish = (reason: string) => {
    if (format === 'sse') res.write(message({ type: 'end', reason, status: session.status }));
    res.end();
  };
  if (session.isExited) {
    finish('stopped');
    untrack();
    return;
  }
  const pump = new OutputPump(
    {
      send: (frame) => {
        res.write(format === 'sse' ? message({ type: 'output', data: frame }) : frame);
      },
      buffered: () => res.writableLength,
      drop: () => {
        ctx.logger.warn('ending an output stream that stopped reading', { agentId });
        res.destroy();
      },
    },
    session,
    `stream:${id}`,
  );
  const stopData = session.onData((data) => pump.push(data));
  const stopEvents = ctx.manager.on((event) => {
    if (event.type !== 'agent_stopped' || event.agentId !== agentId) return;
    pump.flush();
    finish(event.reason);
  });
  const keepalive = format === 'sse' ? setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS) : undefined;
  res.on('close', () => {
    clearInterval(keepalive);
    pump.dispose();
    stopData();
    stopEvents();
    untrack();
  });
}
