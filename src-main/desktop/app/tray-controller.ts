import type { AgentHandle } from '../../../src-shared/agent';
import type { RuntimeEvent } from '../../../src-shared/events';
import type { DesktopDeps, TrayPort } from '../electron-ports';
import { isCrash } from '../notifications';
import { buildTrayMenu, trayState, trayTooltip, type TrayActions, type TrayMenuItem } from '../tray-model';

/**
 * The tray icon, tooltip and menu, kept in step with the agents and the server. The content is
 * computed by tray-model.ts; this owns the live Tray, the debounce, and which agents crashed
 * (the icon shows an error until the person opens the agent or it starts again).
 */

/** Runtime events come in bursts (status_changed + message + …); one tray rebuild per burst. */
const TRAY_REFRESH_MS = 80;

export type TrayControllerDeps = Pick<DesktopDeps, 'createTray' | 'settings'>;

/** What the tray shows besides the agents. */
export interface TraySource {
  agents(): AgentHandle[];
  serverError(): string | undefined;
  /** The API's address while the server runs. */
  apiAddress(): string | undefined;
}

export class TrayController {
  private tray: TrayPort | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly crashed = new Set<string>();
  /** The last tray menu, for tests and diagnostics. */
  lastMenu: TrayMenuItem[] = [];

  constructor(
    private readonly deps: TrayControllerDeps,
    private readonly source: TraySource,
    private readonly actions: TrayActions,
  ) {}

  /** Creates the Tray. Kept in this long-lived object: a collected Tray takes its icon with it. */
  create(onClick: () => void): void {
    this.tray = this.deps.createTray();
    this.tray.onClick(onClick);
    this.refresh();
  }

  /** Remembers crashes for the icon; a start or removal clears them. */
  noteRuntimeEvent(event: RuntimeEvent): void {
    if (event.type === 'agent_started' || event.type === 'agent_removed') this.crashed.delete(event.agentId);
    if (event.type === 'agent_stopped' && isCrash(event)) this.crashed.add(event.agentId);
  }

  /** The person opened the agent: its crash has been seen. */
  acknowledge(agentId: string): void {
    this.crashed.delete(agentId);
  }

  scheduleRefresh(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refresh();
    }, TRAY_REFRESH_MS);
  }

  refresh(): void {
    const tray = this.tray;
    if (!tray) return;
    const agents = this.source.agents();
    for (const id of this.crashed) if (!agents.some((a) => a.id === id)) this.crashed.delete(id);
    const serverError = this.source.serverError();
    const context = { serverError, crashed: this.crashed };
    tray.setState(trayState(agents, context));
    tray.setToolTip(trayTooltip(agents, context));
    this.lastMenu = buildTrayMenu(
      { agents, openAtLogin: this.deps.settings.get().openAtLogin, apiAddress: this.source.apiAddress(), serverError },
      this.actions,
    );
    tray.setMenu(this.lastMenu);
  }

  /** Quitting: no more debounced rebuilds (the agents' stop events would schedule them). */
  stopRefreshing(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  destroy(): void {
    this.stopRefreshing();
    this.tray?.destroy();
    this.tray = undefined;
  }
}
