import type { AgentType } from '../../src-shared/agent';
import { IPC, ROUTES, type NotifyRequest, type SettingsResult } from '../../src-shared/desktop';
import type { RuntimeEvent } from '../../src-shared/events';
import type { RuntimeConfig } from '../runtime/config';
import { riskyChange, settingsChangeRequest, untrustedLoginRequest } from './confirmations';
import { checkExternalUrl, isTrustedSender } from './guards';
import { isCrash, notificationFor, NotificationThrottle } from './notifications';
import { findFreePort, identifyPortOwner, portConflictMessage } from './port-conflict';
import type { DesktopDeps, IpcSender, PreventableEvent, RuntimeLike, ServerHandle, WindowPort } from './electron-ports';
import { parseSettingsPatch, validatePatch, type StoredSettings } from './settings/schema';
import type { SettingsChange } from './settings/service';
import { HIDDEN_FLAG } from './autostart';
import { buildTrayMenu, SPAWN_ENTRIES, trayState, trayTooltip, type TrayActions, type TrayMenuItem } from './tray-model';

/**
 * The desktop app: single instance, the runtime and its API server in-process, the tray, the
 * windows, notifications and the preload bridge's handlers. Everything platform-specific comes in
 * through `deps`, so this runs under plain Node in tests; main.ts wires in the real Electron.
 */

/** Per-agent grace on Quit before SIGKILL; the runtime's own default is 5 s. */
const QUIT_STOP_TIMEOUT_MS = 5_000;
/** If shutting down hangs (a wedged PTY, a stuck socket) we still exit. */
const SHUTDOWN_DEADLINE_MS = 15_000;
/** Runtime events come in bursts (status_changed + message + …); one tray rebuild per burst. */
const TRAY_REFRESH_MS = 80;

export type StartResult = 'primary' | 'secondary';

function serverSignature(s: StoredSettings): string {
  return JSON.stringify([s.bindHost, s.port, s.apiKey, s.allowedOrigins]);
}

export class DesktopApp<R extends RuntimeLike> {
  private runtime: R | undefined;
  private server: ServerHandle | undefined;
  private serverError: string | undefined;
  private tray: ReturnType<DesktopDeps<R>['createTray']> | undefined;
  private mainWindow: WindowPort | undefined;
  private mainReady = false;
  private showMainWhenReady = false;
  private readonly agentWindows = new Map<string, WindowPort>();
  private readonly crashed = new Set<string>();
  private readonly openedLogins = new Set<string>();
  private readonly throttle = new NotificationThrottle();
  private trayTimer: NodeJS.Timeout | undefined;
  private unsubscribeRuntime: (() => void) | undefined;
  private quitting = false;
  private shutdownPromise: Promise<void> | undefined;
  private shutdownDone = false;
  private serverStarting: Promise<boolean> | undefined;
  /** The server-relevant settings the running server was started with. */
  private serverSignature: string | undefined;
  /** The last tray menu, for tests and diagnostics. */
  lastMenu: TrayMenuItem[] = [];

  constructor(private readonly deps: DesktopDeps<R>) {}

  private get log() {
    return this.deps.logger;
  }

  private get settings(): StoredSettings {
    return this.deps.settings.get();
  }

  /** The origin our windows load, e.g. http://127.0.0.1:8765. */
  get origin(): string {
    const settings = this.settings;
    const host = this.server?.host ?? settings.bindHost;
    const port = this.server?.port ?? settings.port;
    return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  get serverHandle(): ServerHandle | undefined {
    return this.server;
  }

  get runtimeInstance(): R | undefined {
    return this.runtime;
  }

  // ───────────────────────────── start-up ─────────────────────────────

  async start(): Promise<StartResult> {
    const { app } = this.deps;
    if (!app.requestSingleInstanceLock()) {
      // The first copy gets 'second-instance' and shows itself; this one just leaves.
      this.log.info('another instance is running; handing over to it');
      app.quit();
      return 'secondary';
    }
    app.onSecondInstance(() => this.showMain());
    app.onBeforeQuit((event) => this.onBeforeQuit(event));
    app.onWindowAllClosed(() => {
      // Stay in the tray: agents keep running with no window open.
    });
    app.onActivate(() => this.showMain());
    await app.whenReady();

    this.deps.security.install(
      () => this.origin,
      (url) => void this.openExternal(url),
    );
    this.registerIpc();
    this.syncAutostart();

    // The API key lives in the secret store: read it (and encrypt a legacy plain one) before use.
    await this.deps.settings.unlock();
    if (this.deps.settings.keyNote) this.log.warn(this.deps.settings.keyNote);
    const settings = this.settings;
    this.runtime = this.deps.createRuntime(this.deps.runtimeConfig(await this.runtimeOverrides(settings)));
    this.unsubscribeRuntime = this.runtime.on((event) => this.onRuntimeEvent(event));
    this.deps.settings.onChange((change) => void this.onSettingsChange(change));

    this.tray = this.deps.createTray();
    this.tray.onClick(() => this.showMain());
    this.refreshTray();

    const started = await this.startServer();
    this.refreshTray();
    const hidden = this.deps.argv.includes(HIDDEN_FLAG) || app.wasOpenedAtLogin();
    if (started && !hidden) this.showMain();
    return 'primary';
  }

  private async runtimeOverrides(settings: StoredSettings): Promise<Partial<RuntimeConfig>> {
    return {
      maxAgents: settings.maxAgents,
      cols: settings.terminalCols,
      rows: settings.terminalRows,
      autoRespond: { ...settings.autoRespond },
      credentials: await this.deps.settings.credentials(),
    };
  }

  /** The OS is the truth for "open at login" (a person may remove the login item in System Settings). */
  private syncAutostart(): void {
    try {
      const enabled = this.deps.autostart.isEnabled();
      if (enabled !== this.settings.openAtLogin) void this.deps.settings.update({ openAtLogin: enabled });
    } catch (error) {
      this.log.warn('could not read the login item', { error: String(error) });
    }
  }

  // ───────────────────────────── the API server ─────────────────────────────

  private startServer(): Promise<boolean> {
    if (!this.serverStarting) {
      this.serverStarting = this.startServerLoop().finally(() => {
        this.serverStarting = undefined;
      });
    }
    return this.serverStarting;
  }

  /** Starts the server, walking the person through a port conflict. True when it runs. */
  private async startServerLoop(): Promise<boolean> {
    const runtime = this.runtime;
    if (!runtime) return false;
    for (;;) {
      const settings = this.settings;
      const signature = serverSignature(settings);
      try {
        this.server = await this.deps.startServer({
          manager: runtime,
          host: settings.bindHost,
          port: settings.port,
          apiKey: settings.apiKey === '' ? undefined : settings.apiKey,
          allowedOrigins: [this.origin, ...settings.allowedOrigins],
          uiDir: this.deps.uiDir,
          version: this.deps.version,
          logger: this.log,
        });
        this.serverSignature = signature;
        this.serverError = undefined;
        this.log.info('API server listening', { url: this.server.url });
        this.refreshTray();
        return true;
      } catch (error) {
        if (this.quitting) return false;
        const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
        if (code !== 'EADDRINUSE') {
          this.serverError = `The API server failed: ${error instanceof Error ? error.message : String(error)}`;
          this.log.error('API server failed to start', { error: String(error) });
          this.refreshTray();
          this.deps.dialog.errorBox('Raven Agent Runtime could not start', this.serverError);
          return false;
        }
        const choice = await this.resolvePortConflict(settings);
        if (choice === 'quit') {
          this.deps.app.quit();
          return false;
        }
        if (choice === 'dismiss') return false;
        // 'retry' and 'use-suggested' loop.
      }
    }
  }

  private async resolvePortConflict(settings: StoredSettings): Promise<'retry' | 'dismiss' | 'quit'> {
    const port = settings.port;
    const owner = await identifyPortOwner(settings.bindHost, port, this.deps.fetch);
    const suggestion = await findFreePort(port, (p) => this.deps.isPortFree(settings.bindHost, p));
    const msg = portConflictMessage(port, owner, suggestion);
    this.serverError = msg.notice;
    this.refreshTray();
    this.log.warn('port in use', { port, owner: owner.kind });
    if (this.deps.notifications.isSupported()) this.deps.notifications.show({ title: msg.title, body: msg.notice });
    const index = await this.deps.dialog.messageBox({
      type: 'warning',
      title: msg.title,
      message: msg.message,
      detail: msg.detail,
      buttons: msg.buttons,
      defaultId: 0,
      cancelId: msg.cancelId,
    });
    const choice = msg.choices[index] ?? 'dismiss';
    if (choice === 'use-suggested' && suggestion !== undefined) {
      const result = await this.deps.settings.update({ port: suggestion });
      if (!result.ok) this.log.error('could not save the new port', { error: result.error });
      return 'retry';
    }
    return choice === 'use-suggested' ? 'retry' : choice;
  }

  private async restartServer(): Promise<void> {
    const old = this.server;
    this.server = undefined;
    if (old) {
      try {
        await old.close();
      } catch (error) {
        this.log.warn('closing the API server failed', { error: String(error) });
      }
    }
    if (await this.startServer()) this.reloadWindows();
  }

  // ───────────────────────────── windows ─────────────────────────────

  private windowFor(webContentsId: number): WindowPort | undefined {
    if (this.mainWindow && !this.mainWindow.isDestroyed() && this.mainWindow.webContentsId === webContentsId) return this.mainWindow;
    for (const win of this.agentWindows.values()) if (!win.isDestroyed() && win.webContentsId === webContentsId) return win;
    return undefined;
  }

  private allWindows(): WindowPort[] {
    const list = [...this.agentWindows.values()];
    if (this.mainWindow) list.unshift(this.mainWindow);
    return list.filter((w) => !w.isDestroyed());
  }

  /**
   * Whether the person is looking at this agent: its pop-out window has focus, or the main window
   * does (it shows the agent list with live status, and usually the agent).
   */
  private seesAgent(agentId: string): boolean {
    const popout = this.agentWindows.get(agentId);
    if (popout && !popout.isDestroyed() && popout.isFocused()) return true;
    return this.mainWindow !== undefined && !this.mainWindow.isDestroyed() && this.mainWindow.isFocused();
  }

  private updateDock(): void {
    // LSUIElement hides the Dock icon; show it while a window is on screen so Cmd-Tab finds us.
    if (this.allWindows().some((w) => w.isVisible())) this.deps.app.showDock();
    else this.deps.app.hideDock();
  }

  private themeBackground(): string {
    // Matches the renderer's --bg so a window never flashes white (dark) or black (light).
    return this.settings.theme === 'light' ? '#f7f7f8' : '#16171b';
  }

  private ensureMainWindow(route: string | undefined): { win: WindowPort; created: boolean } {
    if (this.mainWindow && !this.mainWindow.isDestroyed()) return { win: this.mainWindow, created: false };
    const win = this.deps.createWindow({
      kind: 'main',
      title: 'Raven Agent Runtime',
      width: 1200,
      height: 780,
      minWidth: 720,
      minHeight: 480,
      show: false,
      backgroundColor: this.themeBackground(),
    });
    this.mainWindow = win;
    this.mainReady = false;
    win.onReadyToShow(() => {
      this.mainReady = true;
      if (this.showMainWhenReady) {
        this.showMainWhenReady = false;
        win.show();
        win.focus();
      }
    });
    win.onClose((event) => {
      // Closing hides: agents keep running, the tray brings the window back.
      if (!this.quitting) {
        event.preventDefault();
        win.hide();
      }
    });
    win.onClosed(() => {
      if (this.mainWindow === win) this.mainWindow = undefined;
      this.updateDock();
    });
    win.onVisibilityChange(() => this.updateDock());
    void this.load(win, `${this.origin}/${route ?? ''}`);
    return { win, created: true };
  }

  private async load(win: WindowPort, url: string): Promise<void> {
    try {
      await win.loadURL(withKeySession(url, this.settings.apiKey));
    } catch (error) {
      this.log.warn('window failed to load', { url, error: String(error) });
    }
  }

  /** Shows the main window, optionally at a route such as `#/agents/<id>`. */
  showMain(route?: string): void {
    if (this.quitting) return;
    if (!this.server) {
      void this.offerServerRetry();
      return;
    }
    const { win, created } = this.ensureMainWindow(route);
    if (!created && route) win.send(IPC.navigate, route);
    win.restoreIfMinimized();
    if (created && !this.mainReady) {
      this.showMainWhenReady = true;
    } else {
      win.show();
      win.focus();
    }
    this.deps.app.showDock();
  }

  private async offerServerRetry(): Promise<void> {
    const index = await this.deps.dialog.messageBox({
      type: 'error',
      title: 'The API server is not running',
      message: this.serverError ?? 'The API server is not running.',
      detail: 'The window is served by the API server, so it cannot open until the server runs.',
      buttons: ['Retry', 'Cancel'],
      defaultId: 0,
      cancelId: 1,
    });
    if (index === 0 && (await this.startServer())) this.showMain();
  }

  openAgent(id: string): void {
    this.crashed.delete(id);
    this.scheduleTrayRefresh();
    this.showMain(ROUTES.agent(id));
  }

  /** "Open in window": one agent's terminal alone. Closing it leaves the agent running. */
  openAgentWindow(id: string): void {
    if (this.quitting || !this.server) return;
    const existing = this.agentWindows.get(id);
    if (existing && !existing.isDestroyed()) {
      existing.restoreIfMinimized();
      existing.show();
      existing.focus();
      return;
    }
    const name = this.runtime?.list().find((a) => a.id === id)?.name ?? id;
    const win = this.deps.createWindow({
      kind: 'agent',
      title: `${name} — Raven Agent Runtime`,
      width: 960,
      height: 620,
      minWidth: 480,
      minHeight: 320,
      show: false,
      backgroundColor: this.themeBackground(),
    });
    this.agentWindows.set(id, win);
    win.onReadyToShow(() => {
      win.show();
      win.focus();
    });
    win.onClosed(() => {
      if (this.agentWindows.get(id) === win) this.agentWindows.delete(id);
      this.updateDock();
    });
    win.onVisibilityChange(() => this.updateDock());
    void this.load(win, `${this.origin}/${ROUTES.popout(id)}`);
    this.deps.app.showDock();
  }

  /** After the port or the API key changed: every window moves to the new origin and token. */
  private reloadWindows(): void {
    for (const win of this.allWindows()) {
      let hash = '';
      try {
        hash = new URL(win.currentURL()).hash;
      } catch {
        hash = '';
      }
      void this.load(win, `${this.origin}/${hash}`);
    }
  }

  // ───────────────────────────── runtime events ─────────────────────────────

  private onRuntimeEvent(event: RuntimeEvent): void {
    if (event.type === 'agent_started' || event.type === 'agent_removed') this.crashed.delete(event.agentId);
    if (event.type === 'agent_stopped' && isCrash(event)) this.crashed.add(event.agentId);
    if (event.type === 'login_required' && event.loginUrl && this.settings.openLoginPagesAutomatically) {
      const key = `${event.agentId}\n${event.loginUrl}`;
      if (!this.openedLogins.has(key)) {
        this.openedLogins.add(key);
        // Only a URL from the CLI's own login screen, on its provider's host, opens by itself;
        // anything an agent's program merely printed is asked about first (LoginInfo.trusted).
        if (event.trusted === true) void this.openExternal(event.loginUrl);
        else void this.askToOpenLogin(event.agent.name, event.loginUrl);
      }
    }
    const request = notificationFor(event, { enabled: this.settings.notifications, appFocused: this.seesAgent(event.agentId) });
    if (request) this.notify(request);
    this.scheduleTrayRefresh();
  }

  notify(request: NotifyRequest): void {
    if (!this.deps.notifications.isSupported() || !this.throttle.admit(request)) return;
    const agentId = request.agentId;
    this.deps.notifications.show({
      title: request.title,
      body: request.body,
      onClick: agentId ? () => this.openAgent(agentId) : () => this.showMain(),
    });
  }

  private async askToOpenLogin(agentName: string, url: string): Promise<void> {
    // Refused URLs (file:, plain http elsewhere) are not even offered.
    if (!checkExternalUrl(url).ok) return;
    const parent = this.mainWindow?.isVisible() ? this.mainWindow : undefined;
    if (await this.deps.confirm.confirm({ ...untrustedLoginRequest(agentName, url), parent })) await this.openExternal(url);
  }

  async openExternal(url: string): Promise<boolean> {
    const verdict = checkExternalUrl(url);
    if (!verdict.ok) {
      this.log.warn('refused to open a URL', { reason: verdict.reason });
      return false;
    }
    try {
      await this.deps.openExternal(verdict.url);
      return true;
    } catch (error) {
      this.log.warn('opening a URL failed', { error: String(error) });
      return false;
    }
  }

  // ───────────────────────────── tray ─────────────────────────────

  private scheduleTrayRefresh(): void {
    if (this.trayTimer || this.quitting) return;
    this.trayTimer = setTimeout(() => {
      this.trayTimer = undefined;
      this.refreshTray();
    }, TRAY_REFRESH_MS);
  }

  refreshTray(): void {
    const tray = this.tray;
    if (!tray || this.shutdownDone) return;
    const agents = this.runtime?.list() ?? [];
    for (const id of this.crashed) if (!agents.some((a) => a.id === id)) this.crashed.delete(id);
    const context = { serverError: this.serverError, crashed: this.crashed };
    tray.setState(trayState(agents, context));
    tray.setToolTip(trayTooltip(agents, context));
    this.lastMenu = buildTrayMenu(
      { agents, openAtLogin: this.settings.openAtLogin, apiAddress: this.server ? this.origin : undefined, serverError: this.serverError },
      this.trayActions,
    );
    tray.setMenu(this.lastMenu);
  }

  private readonly trayActions: TrayActions = {
    openMain: () => this.showMain(),
    spawn: (type) => void this.spawnFromTray(type),
    spawnCustom: () => void this.spawnCustomFromTray(),
    openAgent: (id) => this.openAgent(id),
    openAgentWindow: (id) => this.openAgentWindow(id),
    stopAgent: (id) => void this.runtime?.stop(id).catch((error: unknown) => this.log.warn('stop failed', { id, error: String(error) })),
    stopAll: () => void this.runtime?.stopAll().catch((error: unknown) => this.log.warn('stop all failed', { error: String(error) })),
    copyApiAddress: () => {
      if (this.server) this.deps.writeClipboard(this.origin);
    },
    openSettings: () => this.showMain(ROUTES.settings),
    setOpenAtLogin: (enabled) => void this.deps.settings.update({ openAtLogin: enabled }),
    retryServer: () => void this.startServer().then((ok) => ok && this.showMain()),
    quit: () => this.deps.app.quit(),
  };

  private async askFolder(title: string): Promise<string | null> {
    const s = this.settings;
    const folder = await this.deps.dialog.pickFolder({
      title,
      defaultPath: s.lastWorkdir || s.defaultWorkdir || this.deps.homeDir,
      parent: this.mainWindow?.isVisible() ? this.mainWindow : undefined,
    });
    if (folder) this.deps.settings.setLastWorkdir(folder);
    return folder;
  }

  async spawnFromTray(type: AgentType): Promise<void> {
    const runtime = this.runtime;
    if (!runtime) return;
    const label = SPAWN_ENTRIES.find((e) => e.type === type)?.label ?? type;
    const workdir = await this.askFolder(`Choose the working folder for ${label}`);
    if (!workdir) return;
    try {
      const agent = await runtime.spawn({ type, workdir });
      this.openAgent(agent.id);
    } catch (error) {
      const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
      const details = typeof error === 'object' && error !== null ? (error as { details?: { installHint?: unknown } }).details : undefined;
      const hint = typeof details?.installHint === 'string' ? `\n\nInstall it with:\n${details.installHint}` : '';
      await this.deps.dialog.messageBox({
        type: 'error',
        title: `${label} could not start`,
        message: `${label} could not start${typeof code === 'string' ? ` (${code})` : ''}`,
        detail: `${error instanceof Error ? error.message : String(error)}${hint}`,
        buttons: ['OK'],
      });
    }
  }

  async spawnCustomFromTray(): Promise<void> {
    const workdir = await this.askFolder('Choose the working folder for the custom command');
    if (!workdir) return;
    // A command line needs a text field, which a native dialog does not have: the form takes over.
    this.showMain(ROUTES.spawn('custom', workdir));
  }

  // ───────────────────────────── settings ─────────────────────────────

  private async onSettingsChange(change: SettingsChange): Promise<void> {
    const runtime = this.runtime;
    if (runtime) {
      // The manager reads its config at each spawn: new values apply to agents started from now on.
      Object.assign(runtime.config, await this.runtimeOverrides(change.settings));
    }
    if (change.changed.includes('openAtLogin')) {
      try {
        if (this.deps.autostart.isEnabled() !== change.settings.openAtLogin) this.deps.autostart.setEnabled(change.settings.openAtLogin);
      } catch (error) {
        this.log.warn('could not change the login item', { error: String(error) });
      }
    }
    const view = await this.deps.settings.view();
    for (const win of this.allWindows()) win.send(IPC.settingsChanged, view);
    // Restart only a running server whose settings really changed: a port picked in the conflict
    // dialog is already being used by the start-up loop.
    if (change.serverChanged && this.server && !this.serverStarting && serverSignature(change.settings) !== this.serverSignature) {
      await this.restartServer();
    }
    this.refreshTray();
  }

  // ───────────────────────────── IPC (the preload bridge) ─────────────────────────────

  private handle(channel: string, handler: (sender: IpcSender, args: unknown[]) => unknown): void {
    this.deps.ipc.handle(channel, (sender, args) => {
      // Only our own pages may use the bridge (Electron checklist item 17).
      if (!isTrustedSender(sender.url, this.origin)) throw new Error('Refused: the sender is not a Raven Agent Runtime page.');
      return handler(sender, args);
    });
  }

  private registerIpc(): void {
    const str = (value: unknown, name: string): string => {
      if (typeof value !== 'string') throw new Error(`${name} must be a string`);
      return value;
    };
    this.handle(IPC.getConnection, () => {
      const key = this.settings.apiKey;
      return { baseUrl: this.origin, token: key === '' ? undefined : key };
    });
    this.handle(IPC.openExternal, (_sender, [url]) => this.openExternal(str(url, 'url')));
    this.handle(IPC.pickFolder, async (sender, [defaultPath]) => {
      const s = this.settings;
      const folder = await this.deps.dialog.pickFolder({
        title: 'Choose a working folder',
        defaultPath: (typeof defaultPath === 'string' && defaultPath) || s.lastWorkdir || s.defaultWorkdir || this.deps.homeDir,
        parent: this.windowFor(sender.webContentsId),
      });
      if (folder) this.deps.settings.setLastWorkdir(folder);
      return folder;
    });
    this.handle(IPC.notify, (_sender, [request]) => {
      if (typeof request !== 'object' || request === null) throw new Error('notify needs {title, body?, agentId?}');
      const r = request as Record<string, unknown>;
      if (!this.settings.notifications) return;
      this.notify({
        title: str(r.title, 'title').slice(0, 200),
        body: typeof r.body === 'string' ? r.body.slice(0, 500) : undefined,
        agentId: typeof r.agentId === 'string' ? r.agentId : undefined,
      });
    });
    this.handle(IPC.windowMinimize, (sender) => this.windowFor(sender.webContentsId)?.minimize());
    this.handle(IPC.windowToggleMaximize, (sender) => this.windowFor(sender.webContentsId)?.toggleMaximize());
    this.handle(IPC.windowClose, (sender) => this.windowFor(sender.webContentsId)?.close());
    this.handle(IPC.openAgentWindow, (_sender, [id]) => {
      const agentId = str(id, 'agentId');
      if (agentId.length === 0 || agentId.length > 200) throw new Error('agentId must be 1–200 characters');
      this.openAgentWindow(agentId);
    });
    this.handle(IPC.settingsGet, () => this.deps.settings.view());
    this.handle(IPC.settingsSet, (sender, [patch]) => this.settingsFromPage(patch, sender));
    this.handle(IPC.generateApiKey, () => this.deps.randomKey());
  }

  /**
   * `settings.set` from a page: the shape and values are checked here, in the main process, and a
   * change that lets more web pages in or removes the API key needs the person's own yes in a
   * native dialog: a page (or script injected into one) cannot loosen the API's protection alone.
   */
  private async settingsFromPage(raw: unknown, sender: IpcSender): Promise<SettingsResult> {
    const parsed = parseSettingsPatch(raw);
    if (!parsed.ok) return parsed;
    const checked = validatePatch(parsed.value);
    if (!checked.ok) return checked;
    const risk = riskyChange(this.settings, checked.value);
    if (risk) {
      const confirmed = await this.deps.confirm.confirm({ ...settingsChangeRequest(risk), parent: this.windowFor(sender.webContentsId) });
      if (!confirmed) {
        return { ok: false, error: 'Not saved: the change was not confirmed in the dialog.', field: risk.addedOrigins.length > 0 ? 'allowedOrigins' : 'apiKey' };
      }
    }
    return this.deps.settings.update(parsed.value);
  }

  // ───────────────────────────── quitting ─────────────────────────────

  private onBeforeQuit(event: PreventableEvent): void {
    if (this.shutdownDone) return;
    event.preventDefault();
    void this.shutdown().then(() => {
      this.shutdownDone = true;
      this.deps.app.quit();
    });
  }

  /** Stops every agent gracefully, closes the server and the tray. Idempotent. */
  shutdown(): Promise<void> {
    if (!this.shutdownPromise) this.shutdownPromise = this.doShutdown();
    return this.shutdownPromise;
  }

  private async doShutdown(): Promise<void> {
    this.quitting = true;
    const deadline = setTimeout(() => {
      this.log.error('shutdown took too long; exiting');
      this.deps.app.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    if (this.trayTimer) clearTimeout(this.trayTimer);
    this.trayTimer = undefined;
    // Clients hear it in order: runtime_stopping, each agent_stopped, then the sockets close.
    this.server?.announceStopping?.('quit');
    try {
      await this.runtime?.stopAll({ timeoutMs: QUIT_STOP_TIMEOUT_MS });
    } catch (error) {
      this.log.error('stopping agents failed', { error: String(error) });
    }
    this.unsubscribeRuntime?.();
    try {
      await this.server?.close();
    } catch (error) {
      this.log.warn('closing the API server failed', { error: String(error) });
    }
    this.server = undefined;
    this.tray?.destroy();
    this.tray = undefined;
    for (const win of this.allWindows()) win.destroy();
    clearTimeout(deadline);
  }
}

/**
 * In key mode the runtime serves even its UI page only with the key, and a page load cannot carry a
 * header. So the window first opens `/auth/session?key=…`, which sets the HttpOnly session cookie
 * and redirects to `/`; the browser keeps the `#route` across the redirect.
 */
export function withKeySession(url: string, apiKey: string): string {
  if (apiKey === '') return url;
  const target = new URL(url);
  return `${target.origin}/auth/session?key=${encodeURIComponent(apiKey)}${target.hash}`;
}
