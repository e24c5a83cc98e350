import { Emitter, type Disposable } from '../../../src-shared/emitter';
import { findFreePort, identifyPortOwner, portConflictMessage } from '../port-conflict';
import type { DesktopDeps, RuntimeLike, ServerHandle } from '../electron-ports';
import type { StoredSettings } from '../settings/schema';

/**
 * The in-process API server's lifecycle: start it with the settings, walk the person through a port
 * conflict (another Raven Agent Runtime, another program, or a free port to move to), restart it
 * when the server-relevant settings change, and close it on quit. Its status (running, failed) is
 * what the tray and the windows read.
 */

export type ServerSupervisorDeps<R extends RuntimeLike> = Pick<
  DesktopDeps<R>,
  'app' | 'dialog' | 'notifications' | 'settings' | 'startServer' | 'fetch' | 'isPortFree' | 'uiDir' | 'version' | 'logger'
>;

type ConflictOutcome = 'retry' | 'dismiss' | 'quit';

/** The settings the running server was started with; a change to any of them needs a restart. */
function serverSignature(s: StoredSettings): string {
  return JSON.stringify([s.bindHost, s.port, s.apiKey, s.allowedOrigins]);
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

export class ServerSupervisor<R extends RuntimeLike> {
  private server: ServerHandle | undefined;
  private failure: string | undefined;
  private starting: Promise<boolean> | undefined;
  private signature: string | undefined;
  private readonly statusChanges = new Emitter<[]>();

  constructor(
    private readonly deps: ServerSupervisorDeps<R>,
    private readonly runtime: () => R | undefined,
    private readonly isQuitting: () => boolean,
  ) {}

  /** The running server, if any. */
  get handle(): ServerHandle | undefined {
    return this.server;
  }

  /** Why the server is not running (a failure or a port conflict), for the tray and the retry dialog. */
  get error(): string | undefined {
    return this.failure;
  }

  /** The origin our windows load, e.g. http://127.0.0.1:8765. */
  get origin(): string {
    const settings = this.deps.settings.get();
    const host = this.server?.host ?? settings.bindHost;
    const port = this.server?.port ?? settings.port;
    return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  /** Fires when the server starts, fails or meets a port conflict. */
  onStatusChange(listener: () => void): Disposable {
    return this.statusChanges.on(listener);
  }

  /** Starts the server (joining a start already under way). True when it runs. */
  start(): Promise<boolean> {
    if (!this.starting) {
      this.starting = this.startLoop().finally(() => {
        this.starting = undefined;
      });
    }
    return this.starting;
  }

  /**
   * Restarts a running server whose settings really changed. A port picked in the conflict dialog
   * is already being used by the start-up loop, so a start under way is left alone. True when the
   * server was restarted and runs (the windows must then move to the new origin).
   */
  async restartIfChanged(settings: StoredSettings): Promise<boolean> {
    if (!this.server || this.starting || serverSignature(settings) === this.signature) return false;
    await this.close();
    return this.start();
  }

  /** Clients hear it in order: runtime_stopping, each agent_stopped, then the sockets close. */
  announceStopping(reason: string): void {
    this.server?.announceStopping?.(reason);
  }

  async close(): Promise<void> {
    const old = this.server;
    this.server = undefined;
    if (!old) return;
    try {
      await old.close();
    } catch (error) {
      this.deps.logger.warn('closing the API server failed', { error: String(error) });
    }
  }

  private async startLoop(): Promise<boolean> {
    const runtime = this.runtime();
    if (!runtime) return false;
    for (;;) {
      const settings = this.deps.settings.get();
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
          logger: this.deps.logger,
        });
        this.signature = signature;
        this.failure = undefined;
        this.deps.logger.info('API server listening', { url: this.server.url });
        this.statusChanges.emit();
        return true;
      } catch (error) {
        if (this.isQuitting()) return false;
        if (errorCode(error) !== 'EADDRINUSE') {
          this.failure = `The API server failed: ${error instanceof Error ? error.message : String(error)}`;
          this.deps.logger.error('API server failed to start', { error: String(error) });
          this.statusChanges.emit();
          this.deps.dialog.errorBox('Raven Agent Runtime could not start', this.failure);
          return false;
        }
        const outcome = await this.resolvePortConflict(settings);
        if (outcome === 'quit') {
          this.deps.app.quit();
          return false;
        }
        if (outcome === 'dismiss') return false;
        // 'retry' (the same port, or the suggested one now saved) goes round again.
      }
    }
  }

  private async resolvePortConflict(settings: StoredSettings): Promise<ConflictOutcome> {
    const { port, bindHost } = settings;
    const owner = await identifyPortOwner(bindHost, port, this.deps.fetch);
    const suggestion = await findFreePort(port, (p) => this.deps.isPortFree(bindHost, p));
    const msg = portConflictMessage(port, owner, suggestion);
    this.failure = msg.notice;
    this.statusChanges.emit();
    this.deps.logger.warn('port in use', { port, owner: owner.kind });
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
      if (!result.ok) this.deps.logger.error('could not save the new port', { error: result.error });
      return 'retry';
    }
    return choice === 'use-suggested' ? 'retry' : choice;
  }
}
