import type { AgentHandle } from '../src-shared/agent';
import type { CreateAgentRequest } from '../src-shared/api';
import type { RavenBridge, SettingsView } from '../src-shared/desktop';
import type { ApiClient } from './api/client';
import { AgentList } from './components/agent-list';
import { AgentView, TerminalRegistry } from './components/agent-view';
import { openDialog } from './components/dialog';
import { HistoryPage } from './components/history-page';
import { HomeView } from './components/home';
import { playerLines } from './components/transcript-player';
import { SettingsPage } from './components/settings-page';
import { SpawnForm } from './components/spawn-form';
import { Toasts } from './components/toasts';
import logoUrl from './favicon.svg';
import type { AppContext } from './context';
import { h, isEditable, replaceChildren } from './lib/dom';
import { isLive, isMac, needsPerson } from './lib/format';
import { icon } from './lib/icons';
import { navigate, parseRoute, type Route } from './lib/router';
import { matchCombo, matchSingleKey, shortcutHelp, type ShortcutAction } from './lib/shortcuts';
import type { Store } from './lib/store';

/** The page: sidebar (agents) and main panel (the route), keyboard shortcuts, window title. */

interface MainView {
  element: HTMLElement;
  dispose?(): void;
}

export class App implements AppContext {
  readonly toasts = new Toasts();
  private readonly terminals: TerminalRegistry;
  private readonly list: AgentList;
  private readonly main = h('main', { class: 'main', id: 'main', tabIndex: -1 });
  private readonly connectionBar = h('div', { class: 'connection-bar', hidden: true, attrs: { role: 'status' } });
  private readonly connectionDot = h('span', { class: 'connection-dot' });
  private current: MainView | undefined;
  private agentView: AgentView | undefined;
  private route: Route = { name: 'home' };
  /** The agent id a spinner is shown for until the agent list has loaded. */
  private awaitingList: string | undefined;
  private settings: SettingsView | undefined;
  private readonly mac = isMac();

  constructor(
    private readonly root: HTMLElement,
    readonly api: ApiClient,
    readonly store: Store,
    readonly bridge: RavenBridge | undefined,
  ) {
    this.terminals = new TerminalRegistry(this);
    this.list = new AgentList(
      store,
      (id) => this.navigate({ name: 'agent', id }),
      () => this.navigate({ name: 'new' }),
      () => void this.clearStopped(),
    );
    store.subscribe((change) => {
      if (change.kind === 'connection') this.renderConnection();
      if (change.kind === 'agents' || change.kind === 'agent') {
        this.updateTitle();
        const route = this.route;
        // A deep link opened before the list arrived shows a spinner; once the list is in, it is
        // either the agent or "No such agent".
        if (change.kind === 'agents' && (route.name === 'agent' || route.name === 'popout') && !this.agentView && (store.get(route.id) || this.awaitingList === route.id)) this.render();
      }
    });
    window.addEventListener('hashchange', () => this.onRoute());
    document.addEventListener('keydown', (event) => this.onKey(event));
    window.setInterval(() => {
      this.list.tick();
      this.agentView?.tick();
    }, 1_000);
    bridge?.onNavigate((route) => navigate(route));
    window.ravenDiagnostics = {
      terminalLines: (id) => this.terminals.peek(id)?.lines(),
      terminalSize: (id) => this.terminals.peek(id)?.size,
      transcriptLines: () => playerLines(),
    };
  }

  desktopSettings(): SettingsView | undefined {
    return this.settings;
  }

  setDesktopSettings(settings: SettingsView): void {
    this.settings = settings;
  }

  start(): void {
    this.route = parseRoute(location.hash);
    const popout = this.route.name === 'popout';
    this.root.classList.toggle('is-popout', popout);
    if (popout) {
      replaceChildren(this.root, this.connectionBar, this.main, this.toasts.element);
    } else {
      const sidebar = h(
        'aside',
        { class: 'sidebar', attrs: { 'aria-label': 'Agents' } },
        h(
          'div',
          { class: 'sidebar-header' },
          h('a', { class: 'brand', href: '#/agents', title: 'Overview' }, h('img', { class: 'brand-mark', attrs: { src: logoUrl, alt: '' } }), h('span', {}, 'Raven Agent Runtime')),
          h('button', { class: 'icon-button primary', title: `New agent (${this.mac ? '⌘N' : 'N'})`, dataset: { action: 'new-agent' }, attrs: { 'aria-label': 'New agent' }, onclick: () => this.navigate({ name: 'new' }) }, icon('plus')),
        ),
        this.list.element,
        h(
          'nav',
          { class: 'sidebar-footer', attrs: { 'aria-label': 'App' } },
          h('a', { class: 'footer-link', href: '#/history' }, icon('history'), 'History'),
          h('a', { class: 'footer-link', href: '#/settings' }, icon('settings'), 'Settings'),
          h('button', { class: 'footer-link', title: 'Keyboard shortcuts (?)', onclick: () => this.showHelp() }, icon('keyboard')),
          h('span', { class: 'connection-indicator', title: 'Connection to the runtime' }, this.connectionDot),
        ),
      );
      replaceChildren(this.root, sidebar, h('div', { class: 'main-column' }, this.connectionBar, this.main), this.toasts.element);
    }
    this.root.removeAttribute('aria-busy');
    this.renderConnection();
    this.render();
  }

  // ───────────────────────────── AppContext ─────────────────────────────

  navigate(route: Route): void {
    navigate(route);
  }

  openLink(url: string): void {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return;
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      this.toasts.info(`Not opening a ${parsed.protocol} link.`);
      return;
    }
    if (this.bridge) {
      void this.bridge.openExternal(parsed.href).then((ok) => {
        if (!ok) this.toasts.info('That link was not opened: only https links (and http on this computer) are.');
      });
    } else {
      window.open(parsed.href, '_blank', 'noopener,noreferrer');
    }
  }

  isAppShortcut(event: KeyboardEvent): boolean {
    return matchCombo(event, this.mac) !== undefined;
  }

  /** "Clear stopped": the runtime forgets them; their rows go with the agent_removed events. */
  private async clearStopped(): Promise<void> {
    try {
      const cleared = await this.api.clearStopped();
      for (const id of cleared) this.store.remove(id);
    } catch (error) {
      this.toasts.error('Could not clear stopped agents', error);
    }
  }

  async restart(agent: AgentHandle, credentials?: Record<string, string>): Promise<AgentHandle | undefined> {
    try {
      // The runtime respawns from the original request (credentials included) under a new id.
      const fresh = await this.api.restart(agent.id, credentials);
      this.store.addIfMissing(fresh);
      // The runtime lists the new agent in the old one's place (History keeps the old recording).
      this.store.remove(agent.id);
      this.toasts.success(`${fresh.name} restarted`);
      return fresh;
    } catch (error) {
      this.toasts.error(`Could not restart ${agent.name}`, error);
      return undefined;
    }
  }

  // ───────────────────────────── routing ─────────────────────────────

  private onRoute(): void {
    this.route = parseRoute(location.hash);
    this.render();
  }

  private render(): void {
    const route = this.route;
    if (route.name === 'agent' || route.name === 'popout') {
      const agent = this.store.get(route.id);
      this.list.setSelected(route.id);
      if (this.agentView?.agentId === route.id) return;
      this.awaitingList = !agent && !this.store.loaded ? route.id : undefined;
      if (!agent) {
        this.show(
          this.store.loaded
            ? { element: h('section', { class: 'page' }, h('div', { class: 'empty-state' }, icon('alert', 'icon large'), h('h1', {}, 'No such agent'), h('p', { class: 'muted' }, `The runtime does not know "${route.id}" (stopped agents are forgotten after a while).`), h('a', { class: 'button', href: '#/agents' }, 'All agents'))) }
            : { element: h('section', { class: 'page' }, h('div', { class: 'empty-state' }, h('span', { class: 'spinner large' }))) },
        );
        return;
      }
      const view = new AgentView(this, agent, this.terminals, route.name === 'popout');
      this.show(view);
      this.agentView = view;
      view.attached();
      document.title = `${agent.name} — Raven Agent Runtime`;
      return;
    }
    this.list.setSelected(undefined);
    switch (route.name) {
      case 'new': {
        const form = new SpawnForm(this, { type: route.type, workdir: route.workdir });
        this.show(form);
        form.focus();
        break;
      }
      case 'settings':
        this.show(new SettingsPage(this));
        break;
      case 'history':
        this.show(new HistoryPage(this, route.id));
        break;
      default:
        this.show(new HomeView(this));
    }
    this.updateTitle();
  }

  private show(view: MainView): void {
    this.current?.dispose?.();
    this.agentView = undefined;
    this.current = view;
    replaceChildren(this.main, view.element);
  }

  private renderConnection(): void {
    const state = this.store.connection;
    this.connectionDot.dataset.state = state;
    this.connectionDot.title = state === 'open' ? 'Connected' : state === 'unauthorized' ? 'API key needed' : 'Connecting…';
    const show = state === 'reconnecting';
    this.connectionBar.hidden = !show;
    if (show) replaceChildren(this.connectionBar, h('span', { class: 'spinner' }), this.store.connectionDetail ?? 'Reconnecting to the runtime…');
  }

  private updateTitle(): void {
    if (this.route.name === 'agent' || this.route.name === 'popout') return;
    const waiting = this.store.list().filter(needsPerson).length;
    document.title = waiting > 0 ? `(${waiting}) Raven Agent Runtime` : 'Raven Agent Runtime';
  }

  // ───────────────────────────── keyboard ─────────────────────────────

  private onKey(event: KeyboardEvent): void {
    if (event.defaultPrevented) return;
    const action = matchCombo(event, this.mac) ?? (isEditable(event.target) || document.querySelector('dialog[open]') ? undefined : matchSingleKey(event));
    if (!action) return;
    event.preventDefault();
    this.run(action);
  }

  private run(action: ShortcutAction): void {
    const popout = this.route.name === 'popout';
    switch (action.id) {
      case 'newAgent':
        if (!popout) this.navigate({ name: 'new' });
        return;
      case 'nextAgent':
      case 'previousAgent':
        if (!popout) this.step(action.id === 'nextAgent' ? 1 : -1);
        return;
      case 'gotoAgent': {
        const id = this.list.order[action.index];
        if (id && !popout) this.navigate({ name: 'agent', id });
        return;
      }
      case 'focusTerminal':
        this.agentView?.focusTerminal();
        return;
      case 'settings':
        if (!popout) this.navigate({ name: 'settings' });
        return;
      case 'find':
        this.agentView?.find();
        return;
      case 'filter':
        if (!popout) this.list.focusSearch();
        return;
      case 'help':
        this.showHelp();
    }
  }

  private step(delta: number): void {
    const order = this.list.order;
    if (order.length === 0) return;
    const current = this.route.name === 'agent' ? order.indexOf(this.route.id) : -1;
    const next = current === -1 ? (delta > 0 ? 0 : order.length - 1) : (current + delta + order.length) % order.length;
    this.navigate({ name: 'agent', id: order[next] });
  }

  private showHelp(): void {
    if (document.querySelector('dialog.shortcuts-dialog')) return;
    openDialog(
      'Keyboard shortcuts',
      h(
        'table',
        { class: 'shortcuts' },
        h(
          'tbody',
          {},
          shortcutHelp(this.mac).map(([what, keys]) =>
            h('tr', {}, h('td', {}, what), h('td', {}, keys.map((k, i) => [i > 0 ? h('span', { class: 'muted' }, ' or ') : null, h('kbd', {}, k)]))),
          ),
        ),
      ),
      { className: 'shortcuts-dialog' },
    );
  }
}
