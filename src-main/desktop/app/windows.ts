import { IPC, ROUTES } from '../../../src-shared/desktop';
import type { DesktopDeps, WindowPort } from '../electron-ports';
import { withKeySession } from './key-session';

/**
 * The app's windows: the main window (hidden, not closed, when the person closes it) and one
 * pop-out window per agent. All of them load pages from the API server's origin, with the API key
 * turned into a session cookie first (key-session.ts). Whether a window may open at all (the server
 * runs, the app is not quitting) is the caller's decision.
 */

export type WindowsDeps = Pick<DesktopDeps, 'app' | 'createWindow' | 'settings' | 'logger'>;

export class Windows {
  private main: WindowPort | undefined;
  private mainReady = false;
  private showMainWhenReady = false;
  private readonly agentWindows = new Map<string, WindowPort>();

  constructor(
    private readonly deps: WindowsDeps,
    private readonly origin: () => string,
    private readonly isQuitting: () => boolean,
  ) {}

  /** The window whose page sent an IPC message, if it is one of ours. */
  windowFor(webContentsId: number): WindowPort | undefined {
    return this.all().find((win) => win.webContentsId === webContentsId);
  }

  /** Every live window, the main one first. */
  all(): WindowPort[] {
    const list = [...this.agentWindows.values()];
    if (this.main) list.unshift(this.main);
    return list.filter((w) => !w.isDestroyed());
  }

  /** The main window when it is on screen: the parent for a dialog, so it does not hide behind. */
  visibleMain(): WindowPort | undefined {
    return this.main?.isVisible() ? this.main : undefined;
  }

  /**
   * Whether the person is looking at this agent: its pop-out window has focus, or the main window
   * does (it shows the agent list with live status, and usually the agent).
   */
  seesAgent(agentId: string): boolean {
    const popout = this.agentWindows.get(agentId);
    if (popout && !popout.isDestroyed() && popout.isFocused()) return true;
    return this.main !== undefined && !this.main.isDestroyed() && this.main.isFocused();
  }

  /** Shows the main window, optionally at a route such as `#/agents/<id>`. */
  showMain(route?: string): void {
    const { win, created } = this.ensureMain(route);
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

  /** "Open in window": one agent's terminal alone. Closing it leaves the agent running. */
  openAgentWindow(id: string, agentName: string): void {
    const existing = this.agentWindows.get(id);
    if (existing && !existing.isDestroyed()) {
      existing.restoreIfMinimized();
      existing.show();
      existing.focus();
      return;
    }
    const win = this.deps.createWindow({
      kind: 'agent',
      title: `${agentName} — Raven Agent Runtime`,
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
    void this.load(win, `${this.origin()}/${ROUTES.popout(id)}`);
    this.deps.app.showDock();
  }

  /** After the port or the API key changed: every window moves to the new origin and token. */
  reloadAll(): void {
    for (const win of this.all()) {
      let hash = '';
      try {
        hash = new URL(win.currentURL()).hash;
      } catch {
        hash = '';
      }
      void this.load(win, `${this.origin()}/${hash}`);
    }
  }

  broadcast(channel: string, payload: unknown): void {
    for (const win of this.all()) win.send(channel, payload);
  }

  destroyAll(): void {
    for (const win of this.all()) win.destroy();
  }

  private ensureMain(route: string | undefined): { win: WindowPort; created: boolean } {
    if (this.main && !this.main.isDestroyed()) return { win: this.main, created: false };
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
    this.main = win;
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
      if (!this.isQuitting()) {
        event.preventDefault();
        win.hide();
      }
    });
    win.onClosed(() => {
      if (this.main === win) this.main = undefined;
      this.updateDock();
    });
    win.onVisibilityChange(() => this.updateDock());
    void this.load(win, `${this.origin()}/${route ?? ''}`);
    return { win, created: true };
  }

  private async load(win: WindowPort, url: string): Promise<void> {
    try {
      await win.loadURL(withKeySession(url, this.deps.settings.get().apiKey));
    } catch (error) {
      this.deps.logger.warn('window failed to load', { url, error: String(error) });
    }
  }

  private updateDock(): void {
    // LSUIElement hides the Dock icon; show it while a window is on screen so Cmd-Tab finds us.
    if (this.all().some((w) => w.isVisible())) this.deps.app.showDock();
    else this.deps.app.hideDock();
  }

  private themeBackground(): string {
    // Matches the renderer's --bg so a window never flashes white (dark) or black (light).
    return this.deps.settings.get().theme === 'light' ? '#f7f7f8' : '#16171b';
  }
}
