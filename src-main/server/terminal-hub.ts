import { WebSocket } from 'ws';
import type { TerminalMode, TerminalServerFrame } from '../../src-shared/api';
import { WS_CLOSE } from '../../src-shared/api';
import type { AgentManager } from '../runtime/agent-manager';
import { RuntimeError } from '../runtime/errors';
import type { Logger } from '../runtime/logger';
import type { AgentSession } from '../runtime/session/session';
import { OutputPump, type PumpOptions } from './output-pump';
import { frameText, parseTypedFrame, type TypedFrame } from './socket-frames';

/**
 * `/ws/agents/:id/terminal`: raw terminal I/O as text frames, several viewers per agent.
 *
 * - Shared input, as in tmux: every viewer may type and resize, unless it connected with
 *   `?mode=view` (read-only). Raven opens one socket per attached person and cannot add a query
 *   string, so a second person must be able to type without asking (docs/compatibility.md).
 * - On attach a viewer gets the current screen (serialised by the session's headless xterm), unless `?replay=0`.
 * - Output reaches each viewer through its own {@link OutputPump} (coalescing, flow control, slow-viewer drop).
 * - JSON control frames (`connected`, `mode`, `resized`, `error`, `pong`) go only to viewers that
 *   asked for them (`?frames=1`, or the server's `terminalHello` default): Raven writes every frame
 *   it receives into xterm, so by default a socket carries terminal bytes and nothing else.
 */

export interface TerminalAttachOptions {
  /** Send JSON control frames (the `connected` hello first). */
  frames: boolean;
  /** Start with a snapshot of the current screen. */
  replay: boolean;
  /** `view` never writes; `control` (the default) types and resizes alongside every other writer. */
  mode: 'control' | 'view';
}

/** Longest wait for the screen model to catch up before taking the attach snapshot; it parses a full queue in ~150 ms. */
const ATTACH_FLUSH_MAX_MS = 1_000;
/** After asking a dropped viewer to close, how long before its socket (and buffered output) is destroyed. */
const DROP_GRACE_MS = 1_000;

class Viewer {
  readonly mode: TerminalMode;
  /** Until the attach snapshot is taken, live output is already part of it. */
  attaching = true;
  warnedReadOnly = false;
  closed = false;
  pump!: OutputPump;

  constructor(
    readonly id: number,
    readonly ws: WebSocket,
    readonly canWrite: boolean,
    readonly controlFrames: boolean,
  ) {
    this.mode = canWrite ? 'control' : 'read-only';
  }

  sendFrame(frame: TerminalServerFrame): void {
    if (this.controlFrames && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }
}

class Room {
  readonly viewers: Viewer[] = [];
  stopData: () => void = () => undefined;

  constructor(readonly session: AgentSession) {}
}

export class TerminalHub {
  private readonly rooms = new Map<string, Room>();
  private nextViewerId = 1;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly manager: AgentManager,
    private readonly logger: Logger,
    private readonly pumpOptions: PumpOptions = {},
  ) {
    this.unsubscribe = manager.on((event) => {
      if (event.type === 'agent_stopped') this.agentStopped(event.agentId);
    });
  }

  viewerCount(agentId?: string): number {
    if (agentId !== undefined) return this.rooms.get(agentId)?.viewers.length ?? 0;
    let n = 0;
    for (const room of this.rooms.values()) n += room.viewers.length;
    return n;
  }

  /** Output accepted for viewers but not yet handed to the kernel, over all viewers. */
  bufferedBytes(): number {
    let n = 0;
    for (const room of this.rooms.values()) for (const v of room.viewers) n += v.ws.bufferedAmount;
    return n;
  }

  attach(ws: WebSocket, agentId: string, options: TerminalAttachOptions): void {
    if (!this.manager.has(agentId)) {
      ws.close(WS_CLOSE.AGENT_NOT_FOUND, 'Agent not found');
      return;
    }
    const session = this.manager.sessionFor(agentId);
    const viewer = new Viewer(this.nextViewerId++, ws, options.mode !== 'view', options.frames);
    if (session.isExited) {
      viewer.sendFrame(this.hello(session, viewer));
      ws.close(WS_CLOSE.AGENT_STOPPED, 'Agent stopped');
      return;
    }
    const room = this.roomFor(agentId, session);
    room.viewers.push(viewer);
    viewer.pump = new OutputPump(
      {
        send: (frame) => {
          if (ws.readyState === WebSocket.OPEN) ws.send(frame);
        },
        buffered: () => ws.bufferedAmount,
        drop: () => this.dropSlowViewer(agentId, viewer),
      },
      session,
      `viewer:${viewer.id}`,
      this.pumpOptions,
    );
    viewer.sendFrame(this.hello(session, viewer));
    if (viewer.mode === 'read-only') viewer.sendFrame({ type: 'mode', mode: 'read-only', reason: 'Connected with ?mode=view.' });
    // Binary frames are decoded as UTF-8 too: some clients send keystrokes that way.
    ws.on('message', (data) => this.onMessage(room, viewer, frameText(data)));
    ws.on('close', () => this.detach(agentId, room, viewer));
    ws.on('error', (error) => this.logger.debug('terminal socket error', { agentId, viewer: viewer.id, error: error.message }));
    if (options.replay) void this.replay(room, viewer);
    else viewer.attaching = false;
  }

  private hello(session: AgentSession, viewer: Viewer): TerminalServerFrame {
    return {
      type: 'connected',
      agentId: session.id,
      viewerId: viewer.id,
      mode: viewer.mode,
      cols: session.cols,
      rows: session.rows,
      timestamp: new Date().toISOString(),
    };
  }

  private roomFor(agentId: string, session: AgentSession): Room {
    let room = this.rooms.get(agentId);
    if (room && room.session !== session) {
      // The id was reused by a new spawn; the old room's viewers were closed when it stopped.
      room.stopData();
      room = undefined;
    }
    if (!room) {
      const created = new Room(session);
      created.stopData = session.onData((data) => {
        for (const v of created.viewers) if (!v.attaching) v.pump.push(data);
      });
      this.rooms.set(agentId, created);
      room = created;
    }
    return room;
  }

  /**
   * Holds the PTY while the screen model catches up, so the snapshot contains exactly the output
   * sent so far: everything before it is in the picture, everything after goes out live.
   */
  private async replay(room: Room, viewer: Viewer): Promise<void> {
    const session = room.session;
    try {
      const snapshot = await session.settledSnapshot(ATTACH_FLUSH_MAX_MS);
      if (viewer.closed) return;
      viewer.attaching = false;
      if (snapshot !== '') viewer.pump.push(snapshot);
    } catch (error) {
      this.logger.warn('terminal snapshot failed', { agentId: session.id, error: String(error) });
      viewer.attaching = false;
    }
  }

  private onMessage(room: Room, viewer: Viewer, text: string): void {
    if (viewer.closed) return;
    // A JSON object with a string `type` is a control frame; anything else is input.
    const control = parseTypedFrame(text);
    if (control) {
      this.onControl(room, viewer, control);
      return;
    }
    if (!viewer.canWrite) {
      if (!viewer.warnedReadOnly) {
        viewer.warnedReadOnly = true;
        viewer.sendFrame({ type: 'error', code: 'FORBIDDEN', error: 'This viewer connected with ?mode=view; input is ignored.' });
      }
      return;
    }
    try {
      room.session.write(text);
    } catch (error) {
      this.reportError(viewer, error);
    }
  }

  private onControl(room: Room, viewer: Viewer, frame: TypedFrame): void {
    switch (frame.type) {
      case 'resize': {
        if (!viewer.canWrite) {
          viewer.sendFrame({ type: 'error', code: 'FORBIDDEN', error: 'A viewer connected with ?mode=view may not resize the terminal.' });
          return;
        }
        const cols = frame.cols;
        const rows = frame.rows;
        if (typeof cols !== 'number' || typeof rows !== 'number') {
          viewer.sendFrame({ type: 'error', code: 'VALIDATION_ERROR', error: 'A resize frame needs numeric "cols" and "rows".' });
          return;
        }
        try {
          room.session.resize(cols, rows);
          this.notifyResized(room.session.id, viewer);
        } catch (error) {
          this.reportError(viewer, error);
        }
        return;
      }
      case 'ping':
        viewer.sendFrame({ type: 'pong', timestamp: new Date().toISOString() });
        return;
      default:
        viewer.sendFrame({ type: 'error', code: 'VALIDATION_ERROR', error: `Unknown control frame type "${frame.type}". Known: resize, ping.` });
    }
  }

  /** Tells viewers that asked for control frames (except the one that caused it) the PTY's new size. */
  notifyResized(agentId: string, except?: Viewer): void {
    const room = this.rooms.get(agentId);
    if (!room) return;
    for (const v of room.viewers) {
      if (v !== except) v.sendFrame({ type: 'resized', cols: room.session.cols, rows: room.session.rows });
    }
  }

  private reportError(viewer: Viewer, error: unknown): void {
    if (error instanceof RuntimeError) viewer.sendFrame({ type: 'error', code: error.code, error: error.message });
    else {
      this.logger.warn('terminal input failed', { viewer: viewer.id, error: String(error) });
      viewer.sendFrame({ type: 'error', code: 'INTERNAL', error: 'Input failed.' });
    }
  }

  private detach(agentId: string, room: Room, viewer: Viewer): void {
    if (viewer.closed) return;
    viewer.closed = true;
    viewer.pump.dispose();
    const index = room.viewers.indexOf(viewer);
    if (index >= 0) room.viewers.splice(index, 1);
    if (room.viewers.length === 0 && this.rooms.get(agentId) === room) {
      room.stopData();
      this.rooms.delete(agentId);
    }
  }

  private dropSlowViewer(agentId: string, viewer: Viewer): void {
    this.logger.warn('dropping a terminal viewer that stopped reading', { agentId, viewer: viewer.id, buffered: viewer.ws.bufferedAmount });
    this.closeViewer(viewer, WS_CLOSE.TOO_SLOW, 'Too slow: reconnect for a fresh screen');
  }

  private closeViewer(viewer: Viewer, code: number, reason: string): void {
    viewer.pump.dispose();
    viewer.ws.close(code, reason);
    // A viewer that stopped reading never completes the closing handshake; cut it so its buffers go.
    setTimeout(() => viewer.ws.terminate(), DROP_GRACE_MS).unref();
  }

  private agentStopped(agentId: string): void {
    const room = this.rooms.get(agentId);
    if (!room) return;
    for (const viewer of [...room.viewers]) {
      viewer.pump.flush();
      this.closeAfterSending(viewer, WS_CLOSE.AGENT_STOPPED, 'Agent stopped');
    }
  }

  /**
   * Closes a viewer once the output queued for it has gone out: the agent's last output (its final
   * error message) must reach a viewer that is still reading, however slowly. Only a viewer that
   * makes no progress for DROP_GRACE_MS is cut.
   */
  private closeAfterSending(viewer: Viewer, code: number, reason: string): void {
    viewer.pump.dispose();
    viewer.ws.close(code, reason);
    let last = viewer.ws.bufferedAmount;
    const watch = setInterval(() => {
      const now = viewer.ws.bufferedAmount;
      if (viewer.ws.readyState === WebSocket.CLOSED) clearInterval(watch);
      else if (now === 0 || now >= last) {
        clearInterval(watch);
        viewer.ws.terminate();
      }
      last = now;
    }, DROP_GRACE_MS);
    watch.unref();
  }

  /** Closes every terminal socket (server shutdown). */
  closeAll(): void {
    for (const room of this.rooms.values()) {
      for (const viewer of [...room.viewers]) this.closeViewer(viewer, WS_CLOSE.GOING_AWAY, 'Server shutting down');
    }
  }

  dispose(): void {
    this.closeAll();
    for (const room of this.rooms.values()) room.stopData();
    this.rooms.clear();
    this.unsubscribe();
  }
}
