import type { AgentHandle } from '../../src-shared/agent';
import type { AppContext } from '../context';
import { h, replaceChildren } from '../lib/dom';
import { duration, exitText, failureFix, isFailed, isLive, shortPath, STATUS_LABELS, uptimeText } from '../lib/format';
import { icon, TYPE_LABELS, typeIcon } from '../lib/icons';
import { statusBadge } from './agent-list';
import { isolationBadge } from './isolation-badge';
import { confirmDialog } from './dialog';
import { LoginPanel } from './login-panel';
import { LogsView } from './logs-view';
import { MessageBox } from './message-box';
import { QuestionPanel } from './question-panel';
import { TerminalView } from './terminal-view';

/**
 * One agent: header with status and actions, the banners that need the person (start-up progress,
 * login, question, stopped), the live terminal or its logs, and the message box. In a pop-out
 * window (`popout`) it is the terminal with its banners and nothing else.
 */

/** Terminals kept connected while not shown; the least recently shown beyond this are closed. */
const MAX_LIVE_TERMINALS = 8;
/** After this long in `starting`, the progress banner suggests looking at the terminal. */
const SLOW_START_MS = 15_000;

export class TerminalRegistry {
  private readonly views = new Map<string, TerminalView>();

  constructor(private readonly ctx: AppContext) {}

  get(agentId: string): TerminalView {
    let view = this.views.get(agentId);
    if (view) {
      // Most recently used last.
      this.views.delete(agentId);
      this.views.set(agentId, view);
      return view;
    }
    view = new TerminalView({
      api: this.ctx.api,
      agentId,
      openLink: (url) => this.ctx.openLink(url),
      isAppShortcut: (event) => this.ctx.isAppShortcut(event),
      finalLines: () => this.ctx.api.logs(agentId, 500),
    });
    this.views.set(agentId, view);
    this.evict();
    return view;
  }

  peek(agentId: string): TerminalView | undefined {
    return this.views.get(agentId);
  }

  private evict(): void {
    for (const [id, view] of this.views) {
      if (this.views.size <= MAX_LIVE_TERMINALS) return;
      if (view.element.isConnected) continue;
      view.dispose();
      this.views.delete(id);
    }
  }
}

type Tab = 'terminal' | 'logs';

class StartupBanner {
  readonly element = h('section', { class: 'banner startup-banner', hidden: true, attrs: { role: 'status', 'aria-label': 'Starting' } });
  private readonly title = h('h2', { class: 'banner-title' });
  private readonly elapsed = h('span', { class: 'muted tabular' });
  private readonly steps = h('ol', { class: 'steps' });
  private readonly slow = h('p', { class: 'field-help', hidden: true }, 'Taking a while? The terminal below shows what the CLI is doing; it may be waiting for you.');

  constructor() {
    replaceChildren(
      this.element,
      h('div', { class: 'banner-icon' }, h('span', { class: 'spinner' })),
      h('div', { class: 'banner-body' }, h('div', { class: 'banner-title-row' }, this.title, this.elapsed), h('div', { class: 'progress-bar indeterminate' }, h('span', {})), this.steps, this.slow),
    );
  }

  update(agent: AgentHandle, now = Date.now()): void {
    const starting = agent.status === 'pending' || agent.status === 'starting';
    this.element.hidden = !starting;
    if (!starting) return;
    const since = now - Date.parse(agent.startedAt ?? agent.createdAt);
    this.title.textContent = `Starting ${TYPE_LABELS[agent.type]}…`;
    this.elapsed.textContent = Number.isNaN(since) ? '' : `${(since / 1000).toFixed(0)} s`;
    const launched = agent.pid !== undefined;
    replaceChildren(
      this.steps,
      h('li', { class: launched ? 'done' : 'active' }, launched ? `Process started (pid ${agent.pid})` : 'Launching the process'),
      h('li', { class: launched ? 'active' : '' }, agent.type === 'shell' || agent.type === 'custom' ? 'Waiting for a prompt' : `Waiting for ${TYPE_LABELS[agent.type]} to be ready`),
      h('li', {}, 'Ready'),
    );
    this.slow.hidden = !(since > SLOW_START_MS);
  }
}

export class AgentView {
  readonly element: HTMLElement;
  private agent: AgentHandle;
  private readonly terminal: TerminalView;
  private readonly terminalPanel: HTMLElement;
  private readonly logs: LogsView | undefined;
  private readonly logsPanel: HTMLElement | undefined;
  private readonly tabs = new Map<Tab, HTMLButtonElement>();
  private tab: Tab = 'terminal';
  private readonly header: HTMLElement;
  private readonly startup = new StartupBanner();
  private readonly login: LoginPanel;
  private readonly question: QuestionPanel;
  private readonly stoppedBanner = h('section', { class: 'banner stopped-banner', hidden: true, attrs: { role: 'status' } });
  private readonly messageBox: MessageBox | undefined;
  private readonly unsubscribe: () => void;
  private stopping = false;

  constructor(
    private readonly ctx: AppContext,
    agent: AgentHandle,
    terminals: TerminalRegistry,
    private readonly popout = false,
  ) {
    this.agent = agent;
    this.terminal = terminals.get(agent.id);
    this.login = new LoginPanel(ctx);
    this.question = new QuestionPanel(ctx);
    this.header = h('header', { class: 'agent-header' });
    this.terminalPanel = h('div', { class: 'tab-panel terminal-panel', role: 'tabpanel', id: 'panel-terminal' }, this.terminal.element);
    const banners = h('div', { class: 'banners' }, this.startup.element, this.login.element, this.question.element, this.stoppedBanner);

    if (popout) {
      this.element = h('section', { class: 'agent-view is-popout', dataset: { agentId: agent.id } }, this.header, banners, this.terminalPanel);
    } else {
      this.logs = new LogsView(ctx, agent);
      this.logsPanel = h('div', { class: 'tab-panel', role: 'tabpanel', id: 'panel-logs', hidden: true }, this.logs.element);
      const tabBar = h('nav', { class: 'tabs', role: 'tablist', attrs: { 'aria-label': 'Agent views' } });
      for (const [id, label, iconName] of [
        ['terminal', 'Terminal', 'terminal'],
        ['logs', 'Logs', 'logs'],
      ] as const) {
        const button = h(
          'button',
          { class: 'tab', role: 'tab', id: `tab-${id}`, attrs: { 'aria-controls': `panel-${id}`, 'aria-selected': id === this.tab ? 'true' : 'false' }, onclick: () => this.setTab(id) },
          icon(iconName),
          label,
        );
        this.tabs.set(id, button);
        tabBar.appendChild(button);
      }
      this.messageBox = new MessageBox(ctx, agent);
      this.element = h(
        'section',
        { class: 'agent-view', dataset: { agentId: agent.id } },
        this.header,
        banners,
        tabBar,
        h('div', { class: 'tab-panels' }, this.terminalPanel, this.logsPanel),
        this.messageBox.element,
      );
    }
    this.unsubscribe = ctx.store.subscribe((change) => {
      if (change.kind === 'agent' && change.id === this.agent.id) {
        const next = ctx.store.get(change.id);
        if (next) this.update(next, change.previous);
      }
    });
    this.update(agent);
  }

  /** After the element is in the document: xterm needs to measure. */
  attached(): void {
    this.terminal.setVisible(this.tab === 'terminal');
  }

  get agentId(): string {
    return this.agent.id;
  }

  private update(agent: AgentHandle, previous?: AgentHandle): void {
    this.agent = agent;
    this.renderHeader();
    this.startup.update(agent);
    this.login.update(agent);
    this.question.update(agent);
    this.renderStopped();
    this.messageBox?.update(agent);
    this.logs?.update(agent);
    this.terminal.update(agent);
    if (previous?.status === 'authenticating' && agent.status === 'ready') this.ctx.toasts.success(`${agent.name} is signed in`);
  }

  private renderHeader(): void {
    const a = this.agent;
    const live = isLive(a);
    const bridge = this.ctx.bridge;
    replaceChildren(
      this.header,
      typeIcon(a.type, 'lg'),
      h(
        'div',
        { class: 'agent-title' },
        h('div', { class: 'agent-title-row' }, h('h1', {}, a.name), statusBadge(a)),
        h(
          'div',
          { class: 'agent-meta' },
          h('span', {}, TYPE_LABELS[a.type], a.version ? ` ${a.version}` : ''),
          h('span', { class: 'agent-workdir', title: a.workdir }, icon('folder', 'icon small'), shortPath(a.workdir)),
          isolationBadge(a),
          a.pid !== undefined && live ? h('span', { class: 'muted' }, `pid ${a.pid}`) : null,
          h('span', { class: 'muted tabular', dataset: { uptime: '' } }, uptimeText(a)),
        ),
      ),
      h(
        'div',
        { class: 'agent-actions' },
        bridge && !this.popout
          ? h('button', { class: 'button', title: 'Show this terminal in its own window', onclick: () => void bridge.window.openAgentWindow(a.id) }, icon('window'), 'Open in window')
          : null,
        h('button', { class: 'button', dataset: { action: 'restart' }, title: 'Stop and start again', disabled: a.status === 'stopping', onclick: () => void this.restart() }, icon('restart'), 'Restart'),
        live
          ? h('button', { class: 'button danger-outline', dataset: { action: 'stop' }, disabled: a.status === 'stopping' || this.stopping, onclick: () => void this.stop() }, icon('stop'), a.status === 'stopping' ? 'Stopping…' : 'Stop')
          : null,
      ),
    );
  }

  private renderStopped(): void {
    const a = this.agent;
    const stopped = !isLive(a);
    this.stoppedBanner.hidden = !stopped;
    if (!stopped) return;
    const ran = a.startedAt && a.stoppedAt ? duration(Date.parse(a.stoppedAt) - Date.parse(a.startedAt)) : undefined;
    const exit = exitText(a);
    const failed = isFailed(a);
    const fix = failed ? failureFix(a) : undefined;
    this.stoppedBanner.classList.toggle('is-failed', failed);
    replaceChildren(
      this.stoppedBanner,
      h('div', { class: ['banner-icon', failed ? 'error' : ''] }, icon(failed ? 'alert' : 'stop')),
      h(
        'div',
        { class: 'banner-body' },
        h('h2', { class: ['banner-title', failed ? 'tone-error' : ''] }, `${a.name} ${failed ? 'failed' : 'stopped'}`),
        h('p', { class: 'banner-text' }, [exit, ran ? `ran ${ran}` : ''].filter(Boolean).join(' · ')),
        a.error ? h('p', { class: 'banner-text error-text', dataset: { role: 'failure' } }, a.error) : null,
        fix ? h('p', { class: 'banner-text', dataset: { role: 'fix' } }, fix) : null,
        h(
          'div',
          { class: 'option-row' },
          h('button', { class: 'button primary', onclick: () => void this.restart() }, icon('restart'), 'Restart'),
          this.popout ? null : h('button', { class: 'button', onclick: () => this.ctx.navigate({ name: 'history', id: a.id }) }, icon('history'), 'Replay session'),
          this.popout
            ? null
            : h('button', { class: 'button', dataset: { action: 'clear' }, title: 'Forget this agent (its recording stays in History)', onclick: () => void this.clear() }, icon('close'), 'Clear'),
        ),
      ),
    );
  }

  /** Forgets the stopped agent; the list drops it and the view goes home. */
  private async clear(): Promise<void> {
    try {
      await this.ctx.api.remove(this.agent.id);
      this.ctx.store.remove(this.agent.id);
      this.ctx.navigate({ name: 'home' });
    } catch (error) {
      this.ctx.toasts.error(`Could not clear ${this.agent.name}`, error);
    }
  }

  setTab(tab: Tab): void {
    this.tab = tab;
    for (const [id, button] of this.tabs) button.setAttribute('aria-selected', id === tab ? 'true' : 'false');
    this.terminalPanel.hidden = tab !== 'terminal';
    if (this.logsPanel) this.logsPanel.hidden = tab !== 'logs';
    this.terminal.setVisible(tab === 'terminal' && this.element.isConnected);
    this.logs?.setVisible(tab === 'logs');
  }

  focusTerminal(): void {
    if (this.tab !== 'terminal') this.setTab('terminal');
    this.terminal.focus();
  }

  find(): void {
    if (this.tab === 'logs') this.logs?.focusSearch();
    else this.terminal.openSearch();
  }

  tick(): void {
    const uptime = this.header.querySelector<HTMLElement>('[data-uptime]');
    if (uptime) uptime.textContent = uptimeText(this.agent);
    this.startup.update(this.agent);
  }

  private async stop(): Promise<void> {
    const a = this.agent;
    if (a.status === 'busy' && !(await confirmDialog(`Stop ${a.name}?`, `${a.name} is working. Stopping ends its process and everything it started.`, 'Stop', true))) return;
    this.stopping = true;
    this.renderHeader();
    try {
      await this.ctx.api.stop(a.id);
    } catch (error) {
      this.ctx.toasts.error(`Could not stop ${a.name}`, error);
    } finally {
      this.stopping = false;
      this.renderHeader();
    }
  }

  private async restart(): Promise<void> {
    const fresh = await this.ctx.restart(this.agent);
    if (fresh) this.ctx.navigate({ name: this.popout ? 'popout' : 'agent', id: fresh.id });
  }

  dispose(): void {
    this.unsubscribe();
    this.terminal.setVisible(false);
    this.terminal.element.remove();
    this.logs?.dispose();
  }

  /** For status text in the window title. */
  get title(): string {
    return `${this.agent.name} — ${STATUS_LABELS[this.agent.status]}`;
  }
}
