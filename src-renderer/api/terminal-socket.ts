import { WS_CLOSE, type TerminalServerFrame } from '../../src-shared/api';
import type { ApiClient } from './client';

/**
 * `/ws/agents/:id/terminal`: raw output in, raw keystrokes out. We connect with `frames=1`: the
 * server then also sends its JSON control frames (`connected`, `mode`, `resized`, …), which are
 * recognised here and kept out of the terminal. Without it a socket carries terminal bytes only.
 */

export type TerminalSocketEnd =
  | { kind: 'stopped' }
  | { kind: 'not-found' }
  | { kind: 'too-slow' }
  | { kind: 'lost'; code: number };

export interface TerminalSocketHandlers {
  open(): void;
  output(data: string): void;
  control(frame: TerminalServerFrame): void;
  end(reason: TerminalSocketEnd): void;
}

const CONTROL_TYPES = new Set(['connected', 'mode', 'resized', 'error', 'pong']);

/** A frame that is one of the server's JSON control frames, or undefined for terminal output. */
export function parseTerminalControl(text: string): TerminalServerFrame | undefined {
  // Cheap test first: output chunks almost never start like this.
  if (!text.startsWith('{"type":"')) return undefined;
  try {
    const value = JSON.parse(text) as { type?: unknown };
    return typeof value.type === 'string' && CONTROL_TYPES.has(value.type) ? (value as TerminalServerFrame) : undefined;
  } catch {
    return undefined;
  }
}

export class TerminalSocket {
  private ws: WebSocket | undefined;
  private readonly pendingInput: string[] = [];

  constructor(
    private readonly api: ApiClient,
    private readonly agentId: string,
    private readonly handlers: TerminalSocketHandlers,
  ) {}

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** `control`: type and resize (shared with every other writer); `view`: watch only. */
  connect(mode: 'control' | 'view' = 'control'): void {
    this.disconnect();
    const ws = new WebSocket(this.api.socketUrl(`/ws/agents/${encodeURIComponent(this.agentId)}/terminal`, { frames: '1', mode }));
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.handlers.open();
      for (const data of this.pendingInput.splice(0)) ws.send(data);
    };
    ws.onmessage = (message) => {
      if (this.ws !== ws || typeof message.data !== 'string') return;
      const control = parseTerminalControl(message.data);
      if (control) this.handlers.control(control);
      else this.handlers.output(message.data);
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      if (event.code === WS_CLOSE.AGENT_STOPPED) this.handlers.end({ kind: 'stopped' });
      else if (event.code === WS_CLOSE.AGENT_NOT_FOUND) this.handlers.end({ kind: 'not-found' });
      else if (event.code === WS_CLOSE.TOO_SLOW) this.handlers.end({ kind: 'too-slow' });
      else this.handlers.end({ kind: 'lost', code: event.code });
    };
  }

  /** Keystrokes; queued while (re)connecting so nothing typed is lost. */
  input(data: string): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(data);
    else if (this.ws?.readyState === WebSocket.CONNECTING) this.pendingInput.push(data);
  }

  resize(cols: number, rows: number): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: 'resize', cols, rows }));
  }

  disconnect(): void {
    const ws = this.ws;
    this.ws = undefined;
    this.pendingInput.length = 0;
    if (ws && (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING)) ws.close(1000, 'viewer closed');
  }
}
