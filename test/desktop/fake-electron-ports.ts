import type { AgentHandle, SpawnConfig } from '../../src-shared/agent';
import type { RuntimeEvent } from '../../src-shared/events';
import { defaultConfig, type RuntimeConfig } from '../../src-main/runtime/config';
import { createLogger } from '../../src-main/runtime/logger';
import { RuntimeError } from '../../src-main/runtime/errors';
import type { Autostart } from '../../src-main/desktop/autostart';
import type {
  AppPort,
  DesktopDeps,
  ConfirmPort,
  ConfirmRequest,
  DialogPort,
  IpcPort,
  IpcSender,
  MessageBoxOptions,
  NotificationPort,
  PreventableEvent,
  RuntimeLike,
  ServerHandle,
  ServerStartOptions,
  TrayPort,
  WindowOptions,
  WindowPort,
} from '../../src-main/desktop/electron-ports';
import { memorySecretBox } from '../../src-main/desktop/settings/secrets';
import { memoryBackend, SettingsService } from '../../src-main/desktop/settings/service';
import type { TrayMenuItem, TrayState } from '../../src-main/desktop/tray-model';
import type { FetchLike } from '../../src-main/desktop/port-conflict';
import { Emitter } from '../../src-shared/emitter';
import { agent } from './agents';

/** Typed fakes of the desktop ports, recording what the app did with them. */

function preventable(): PreventableEvent & { prevented: boolean } {
  const event = {
    prevented: false,
    preventDefault() {
      event.prevented = true;
    },
  };
  return event;
}

export class FakeApp implements AppPort {
  lock = true;
  quitCalls = 0;
  quitted = false;
  exitCode: number | undefined;
  dockVisible = false;
  openedAtLogin = false;
  readonly secondInstance = new Emitter<[]>();
  readonly beforeQuit = new Emitter<[event: PreventableEvent]>();
  private resolveReady!: () => void;
  private readonly ready = new Promise<void>((resolve) => (this.resolveReady = resolve));
  private quitWaiters: (() => void)[] = [];

  constructor(autoReady = true) {
    if (autoReady) this.resolveReady();
  }
  makeReady(): void {
    this.resolveReady();
  }
  requestSingleInstanceLock(): boolean {
    return this.lock;
  }
  onSecondInstance(listener: () => void): void {
    this.secondInstance.on(listener);
  }
  onBeforeQuit(listener: (event: PreventableEvent) => void): void {
    this.beforeQuit.on(listener);
  }
  onWindowAllClosed(): void {}
  onActivate(): void {}
  whenReady(): Promise<void> {
    return this.ready;
  }
  /** Like Electron: before-quit first; a listener may cancel by preventDefault. */
  quit(): void {
    this.quitCalls++;
    const event = preventable();
    this.beforeQuit.emit(event);
    if (!event.prevented) {
      this.quitted = true;
      for (const w of this.quitWaiters.splice(0)) w();
    }
  }
  exit(code: number): void {
    this.exitCode = code;
    this.quitted = true;
    for (const w of this.quitWaiters.splice(0)) w();
  }
  waitForQuit(): Promise<void> {
    return this.quitted ? Promise.resolve() : new Promise((resolve) => this.quitWaiters.push(resolve));
  }
  wasOpenedAtLogin(): boolean {
    return this.openedAtLogin;
  }
  showDock(): void {
    this.dockVisible = true;
  }
  hideDock(): void {
    this.dockVisible = false;
  }
}

let nextWebContentsId = 1;

export class FakeWindow implements WindowPort {
  readonly webContentsId = nextWebContentsId++;
  readonly loads: string[] = [];
  readonly sent: { channel: string; payload: unknown }[] = [];
  visible = false;
  focused = false;
  destroyed = false;
  minimized = false;
  maximized = false;
  private url = '';
  private readonly closeEvents = new Emitter<[event: PreventableEvent]>();
  private readonly closedEvents = new Emitter<[]>();
  private readonly visibility = new Emitter<[]>();
  private readonly readyToShow = new Emitter<[]>();

  constructor(readonly options: WindowOptions) {}

  async loadURL(url: string): Promise<void> {
    this.loads.push(url);
    this.url = url;
    // The page painted: Electron emits ready-to-show once after the first load.
    if (this.loads.length === 1) queueMicrotask(() => this.readyToShow.emit());
  }
  currentURL(): string {
    return this.url;
  }
  show(): void {
    this.visible = true;
    this.visibility.emit();
  }
  hide(): void {
    this.visible = false;
    this.focused = false;
    this.visibility.emit();
  }
  focus(): void {
    this.focused = true;
  }
  /** What the window's close button does. */
  close(): void {
    const event = preventable();
    this.closeEvents.emit(event);
    if (!event.prevented) this.destroy();
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.visible = false;
    this.closedEvents.emit();
  }
  minimize(): void {
    this.minimized = true;
  }
  toggleMaximize(): void {
    this.maximized = !this.maximized;
  }
  restoreIfMinimized(): void {
    this.minimized = false;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  isVisible(): boolean {
    return this.visible;
  }
  isFocused(): boolean {
    return this.focused;
  }
  onClose(listener: (event: PreventableEvent) => void): void {
    this.closeEvents.on(listener);
  }
  onClosed(listener: () => void): void {
    this.closedEvents.on(listener);
  }
  onVisibilityChange(listener: () => void): void {
    this.visibility.on(listener);
  }
  onReadyToShow(listener: () => void): void {
    this.readyToShow.on(listener);
  }
  send(channel: string, payload: unknown): void {
    this.sent.push({ channel, payload });
  }
}

export class FakeTray implements TrayPort {
  state: TrayState | undefined;
  tooltip = '';
  menu: TrayMenuItem[] = [];
  destroyed = false;
  readonly click = new Emitter<[]>();
  setState(state: TrayState): void {
    this.state = state;
  }
  setToolTip(text: string): void {
    this.tooltip = text;
  }
  setMenu(template: TrayMenuItem[]): void {
    this.menu = template;
  }
  onClick(listener: () => void): void {
    this.click.on(listener);
  }
  destroy(): void {
    this.destroyed = true;
  }
}

export class FakeDialog implements DialogPort {
  /** Answers for the next message boxes (button index), in order; default 0. */
  answers: number[] = [];
  folders: (string | null)[] = [];
  readonly boxes: MessageBoxOptions[] = [];
  readonly folderRequests: { title: string; defaultPath?: string }[] = [];
  readonly errors: { title: string; content: string }[] = [];
  async pickFolder(options: { title: string; defaultPath?: string }): Promise<string | null> {
    this.folderRequests.push({ title: options.title, defaultPath: options.defaultPath });
    return this.folders.shift() ?? null;
  }
  async messageBox(options: MessageBoxOptions): Promise<number> {
    this.boxes.push(options);
    return this.answers.shift() ?? 0;
  }
  errorBox(title: string, content: string): void {
    this.errors.push({ title, content });
  }
}

/** Records every question; answers from `answers` in order, then `fallback` (no, by default). */
export class FakeConfirm implements ConfirmPort {
  readonly requests: ConfirmRequest[] = [];
  answers: boolean[] = [];
  fallback = false;
  async confirm(request: ConfirmRequest): Promise<boolean> {
    this.requests.push(request);
    return this.answers.shift() ?? this.fallback;
  }
}

export class FakeNotifications implements NotificationPort {
  readonly shown: { title: string; body?: string; onClick?: () => void }[] = [];
  isSupported(): boolean {
    return true;
  }
  show(options: { title: string; body?: string; onClick?: () => void }): void {
    this.shown.push(options);
  }
}

export class FakeIpc implements IpcPort {
  readonly handlers = new Map<string, (sender: IpcSender, args: unknown[]) => unknown>();
  handle(channel: string, handler: (sender: IpcSender, args: unknown[]) => unknown): void {
    this.handlers.set(channel, handler);
  }
  /** Calls a handler as a renderer at `url` would. */
  async invoke(channel: string, url: string, webContentsId: number, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`no handler for ${channel}`);
    return handler({ url, webContentsId }, args);
  }
}

export class FakeRuntime implements RuntimeLike {
  readonly config: RuntimeConfig = defaultConfig({ logLevel: 'silent' });
  agents: AgentHandle[] = [];
  readonly spawned: SpawnConfig[] = [];
  readonly stopped: string[] = [];
  stopAllCalls: { timeoutMs?: number }[] = [];
  spawnError: Error | undefined;
  private readonly events = new Emitter<[event: RuntimeEvent]>();

  on(listener: (event: RuntimeEvent) => void): () => void {
    const subscription = this.events.on(listener);
    return () => subscription.dispose();
  }
  emit(event: RuntimeEvent): void {
    const known = this.agents.findIndex((a) => a.id === event.agentId);
    if (known >= 0) this.agents[known] = event.agent;
    else this.agents.push(event.agent);
    this.events.emit(event);
  }
  list(): AgentHandle[] {
    return [...this.agents];
  }
  async spawn(request: SpawnConfig): Promise<AgentHandle> {
    this.spawned.push(request);
    if (this.spawnError) throw this.spawnError;
    const handle = agent({ type: 'claude-code', status: 'starting', workdir: request.workdir ?? '/' });
    this.agents.push(handle);
    return handle;
  }
  async stop(id: string): Promise<AgentHandle> {
    this.stopped.push(id);
    const a = this.agents.find((x) => x.id === id);
    if (!a) throw new RuntimeError('AGENT_NOT_FOUND', `No agent with id "${id}".`);
    a.status = 'stopped';
    return a;
  }
  async stopAll(options: { timeoutMs?: number } = {}): Promise<void> {
    this.stopAllCalls.push(options);
    for (const a of this.agents) a.status = 'stopped';
  }
  listenerCount(): number {
    return this.events.size;
  }
}

/** A server that "listens" unless its port is in `taken`. */
export class FakeServers {
  readonly taken = new Set<number>();
  readonly started: ServerStartOptions<FakeRuntime>[] = [];
  readonly closed: number[] = [];
  failWith: Error | undefined;
  async start(options: ServerStartOptions<FakeRuntime>): Promise<ServerHandle> {
    this.started.push(options);
    if (this.failWith) throw this.failWith;
    if (this.taken.has(options.port)) {
      throw Object.assign(new Error(`listen EADDRINUSE: address already in use ${options.host}:${options.port}`), { code: 'EADDRINUSE' });
    }
    return {
      url: `http://${options.host}:${options.port}`,
      host: options.host,
      port: options.port,
      close: async () => {
        this.closed.push(options.port);
      },
    };
  }
}

export interface FakeWorld {
  deps: DesktopDeps<FakeRuntime>;
  app: FakeApp;
  windows: FakeWindow[];
  tray: () => FakeTray;
  dialog: FakeDialog;
  confirm: FakeConfirm;
  notifications: FakeNotifications;
  ipc: FakeIpc;
  runtime: () => FakeRuntime;
  servers: FakeServers;
  settings: SettingsService;
  opened: string[];
  clipboard: string[];
  autostart: Autostart & { enabled: boolean };
  /** What `/health` answers on a taken port. */
  healthBody: unknown;
}

export function fakeWorld(options: { settings?: Record<string, unknown>; argv?: string[] } = {}): FakeWorld {
  const app = new FakeApp();
  const windows: FakeWindow[] = [];
  let tray: FakeTray | undefined;
  let runtime: FakeRuntime | undefined;
  const servers = new FakeServers();
  const dialog = new FakeDialog();
  const confirm = new FakeConfirm();
  const notifications = new FakeNotifications();
  const ipc = new FakeIpc();
  const settings = new SettingsService(memoryBackend({ schemaVersion: 1, ...options.settings }), memorySecretBox());
  const opened: string[] = [];
  const clipboard: string[] = [];
  const autostart = {
    enabled: false,
    isEnabled: () => autostart.enabled,
    setEnabled: (value: boolean) => {
      autostart.enabled = value;
    },
  };
  const world: FakeWorld = {
    app,
    windows,
    tray: () => {
      if (!tray) throw new Error('no tray yet');
      return tray;
    },
    dialog,
    confirm,
    notifications,
    ipc,
    runtime: () => {
      if (!runtime) throw new Error('no runtime yet');
      return runtime;
    },
    servers,
    settings,
    opened,
    clipboard,
    autostart,
    healthBody: undefined,
    deps: undefined as unknown as DesktopDeps<FakeRuntime>,
  };
  const fetchImpl: FetchLike = async () => {
    if (world.healthBody === undefined) throw new Error('ECONNRESET');
    return { ok: true, status: 200, text: async () => JSON.stringify(world.healthBody) };
  };
  world.deps = {
    platform: 'linux',
    argv: options.argv ?? [],
    version: '0.1.0-test',
    homeDir: '/home/tester',
    app,
    createWindow: (o) => {
      const win = new FakeWindow(o);
      windows.push(win);
      return win;
    },
    createTray: () => (tray = new FakeTray()),
    dialog,
    confirm,
    notifications,
    openExternal: async (url) => void opened.push(url),
    writeClipboard: (text) => void clipboard.push(text),
    security: { install: () => undefined },
    ipc,
    settings,
    autostart,
    createRuntime: (config) => {
      runtime = new FakeRuntime();
      Object.assign(runtime.config, config);
      return runtime;
    },
    runtimeConfig: (overrides) => defaultConfig({ logLevel: 'silent', ...overrides }),
    startServer: (o) => servers.start(o),
    fetch: fetchImpl,
    isPortFree: async (_host, port) => !servers.taken.has(port),
    uiDir: '/app/dist/renderer',
    logger: createLogger('silent'),
    randomKey: () => 'generated-key-0123456789abcdef',
  };
  return world;
}
