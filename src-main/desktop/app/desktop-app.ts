import type { AgentType } from '../../../src-shared/agent';
import { IPC, ROUTES, type NotifyRequest } from '../../../src-shared/desktop';
import type { RuntimeEvent } from '../../../src-shared/events';
import type { RuntimeConfig } from '../../runtime/config';
import { isolationRequestOf } from '../settings/isolation';
import { HIDDEN_FLAG } from '../autostart';
import { untrustedLoginRequest } from '../confirmations';
import type { DesktopDeps, PreventableEvent, RuntimeLike, ServerHandle } from '../electron-ports';
import { checkExternalUrl } from '../guards';
import { notificationFor, NotificationThrottle } from '../notifications';
import type { StoredSettings } from '../settings/schema';
import type { SettingsChange } from '../settings/service';
import type { TrayActions, TrayMenuItem } from '../tray-model';
import { registerBridge } from './ipc';
import { ServerSupervisor } from './server-supervisor';
import { TrayController } from './tray-controller';
import { TraySpawner } from './tray-spawn';
import { Windows } from './windows';

/**
 * The desktop app: single instance, the runtime and its API server in-process, the tray, the
 * windows, notifications and the preload bridge. This file wires the pieces together and owns
 * what spans them (start-up order, reactions to runtime events and settings changes, quitting);
 * each piece lives in its own file in this folder. Everything platform-specific comes in through
 * `deps`, so this runs under plain Node in tests; main.ts wires in the real Electron.
 */

/** Per-agent grace on Quit before SIGKILL; the runtime's own default is 5 s. */
const QUIT_STOP_TIMEOUT_MS = 5_000;
/** If shutting down hangs (a wedged PTY, a stuck socket) we still exit. */
const SHUTDOWN_DEADLINE_MS = 15_000;

export type StartResult = 'primary' | 'secondary';

export class DesktopApp<R extends RuntimeLike> {
  private runtime: R | undefined;
  private unsubscribeRuntime: (() => void) | undefined;
  private quitting = false;
  private shutdownPromise: Promise<void> | undefined;
  private shutdownDone = false;
  private readonly openedLogins = new Set<string>();
  private readonly throttle = new NotificationThrottle();
  private readonly server: ServerSupervisor<R>;
  private readonly windows: Windows;
  private readonly tray: TrayController;
  private readonly traySpawner: TraySpawner<R>;

  constructor(private readonly deps: DesktopDeps<R>) {
    const isQuitting = (): boolean => this.quitting;
    this.server = new ServerSupervisor(deps, () => this.runtime, isQuitting);
    this.windows = new Windows(deps, () => this.origin, isQuitting);
    this.traySpawner = new TraySpawner(deps, {
      runtime: () => this.runtime,
      dialogParent: () => this.windows.visibleMain(),
      openAgent: (id) => this.openAgent(id),
      showMain: (route) => this.showMain(route),
    });
    this.tray = new TrayController(
      deps,
      {
        agents: () => this.runtime?.list() ?? [],
        serverError: () => this.server.error,
        apiAddress: () => (this.server.handle ? this.origin : undefined),
      },
      this.trayActions(),
    );
    this.server.onStatusChange(() => this.refreshTray());
  }

  private get log() {
    return this.deps.logger;
  }

  private get settings(): StoredSettings {
    return this.deps.settings.get();
  }

  /** The origin our windows load, e.g. http://127.0.0.1:8765. */
  get origin(): string {
    return this.server.origin;
  }

  get serverHandle(): ServerHandle | undefined {
    return this.server.handle;
  }

  get runtimeInstance(): R | undefined {
    return this.runtime;
  }

  /** The last tray menu, for tests and diagnostics. */
  get lastMenu(): TrayMenuItem[] {
    return this.tray.lastMenu;
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
    registerBridge(this.deps, {
      origin: () => this.origin,
      windowFor: (id) => this.windows.windowFor(id),
      openExternal: (url) => this.openExternal(url),
      notify: (request) => this.notify(request),
      openAgentWindow: (id) => this.openAgentWindow(id),
    });
    this.syncAutostart();

    // The API key lives in the secret store: read it (and encrypt a legacy plain one) before use.
    await this.deps.settings.unlock();
    if (this.deps.settings.keyNote) this.log.warn(this.deps.settings.keyNote);
    this.runtime = this.deps.createRuntime(this.deps.runtimeConfig(await this.runtimeOverrides(this.settings)));
    this.unsubscribeRuntime = this.runtime.on((event) => this.onRuntimeEvent(event));
    this.deps.settings.onChange((change) => void this.onSettingsChange(change));

    this.tray.create(() => this.showMain());

    const started = await this.server.start();
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
      isolation: isolationRequestOf(settings.isolation),
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

  // ───────────────────────────── windows ─────────────────────────────

  /** Shows the main window, optionally at a route such as `#/agents/<id>`. */
  showMain(route?: string): void {
    if (this.quitting) return;
    // The window's page is served by the API server: without it there is nothing to show.
    if (!this.server.handle) {
      void this.offerServerRetry();
      return;
    }
    this.windows.showMain(route);
  }

  private async offerServerRetry(): Promise<void> {
    const index = await this.deps.dialog.messageBox({
      type: 'error',
      title: 'The API server is not running',
      message: this.server.error ?? 'The API server is not running.',
      detail: 'The window is served by the API server, so it cannot open until the server runs.',
      buttons: ['Retry', 'Cancel'],
      defaultId: 0,
      cancelId: 1,
    });
    if (index === 0 && (await this.server.start())) this.showMain();
  }

  openAgent(id: string): void {
    this.tray.acknowledge(id);
    this.tray.scheduleRefresh();
    this.showMain(ROUTES.agent(id));
  }

  /** "Open in window": one agent's terminal alone. Closing it leaves the agent running. */
  openAgentWindow(id: string): void {
    if (this.quitting || !this.server.handle) return;
    const name = this.runtime?.list().find((a) => a.id === id)?.name ?? id;
    this.windows.openAgentWindow(id, name);
  }

  // ───────────────────────────── runtime events ─────────────────────────────

  private onRuntimeEvent(event: RuntimeEvent): void {
    this.tray.noteRuntimeEvent(event);
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
    const request = notificationFor(event, { enabled: this.settings.notifications, appFocused: this.windows.seesAgent(event.agentId) });
    if (request) this.notify(request);
    this.tray.scheduleRefresh();
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
    if (await this.deps.confirm.confirm({ ...untrustedLoginRequest(agentName, url), parent: this.windows.visibleMain() })) {
      await this.openExternal(url);
    }
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

  refreshTray(): void {
    if (this.shutdownDone) return;
    this.tray.refresh();
  }

  private trayActions(): TrayActions {
    return {
      openMain: () => this.showMain(),
      spawn: (type) => void this.spawnFromTray(type),
      spawnCustom: () => void this.spawnCustomFromTray(),
      openAgent: (id) => this.openAgent(id),
      openAgentWindow: (id) => this.openAgentWindow(id),
      stopAgent: (id) => void this.runtime?.stop(id).catch((error: unknown) => this.log.warn('stop failed', { id, error: String(error) })),
      stopAll: () => void this.runtime?.stopAll().catch((error: unknown) => this.log.warn('stop all failed', { error: String(error) })),
      copyApiAddress: () => {
        if (this.server.handle) this.deps.writeClipboard(this.origin);
      },
      openSettings: () => this.showMain(ROUTES.settings),
      setOpenAtLogin: (enabled) => void this.deps.settings.update({ openAtLogin: enabled }),
      retryServer: () => void this.server.start().then((ok) => ok && this.showMain()),
      quit: () => this.deps.app.quit(),
    };
  }

  spawnFromTray(type: AgentType): Promise<void> {
    return this.traySpawner.spawn(type);
  }

  spawnCustomFromTray(): Promise<void> {
    return this.traySpawner.spawnCustom();
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
    this.windows.broadcast(IPC.settingsChanged, await this.deps.settings.view());
    if (change.serverChanged && (await this.server.restartIfChanged(change.settings))) this.windows.reloadAll();
    this.refreshTray();
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
    this.tray.stopRefreshing();
    // Clients hear it in order: runtime_stopping, each agent_stopped, then the sockets close.
    this.server.announceStopping('quit');
    try {
      await this.runtime?.stopAll({ timeoutMs: QUIT_STOP_TIMEOUT_MS });
    } catch (error) {
      this.log.error('stopping agents failed', { error: String(error) });
    }
    this.unsubscribeRuntime?.();
    await this.server.close();
    this.tray.destroy();
    this.windows.destroyAll();
    clearTimeout(deadline);
  }
}
