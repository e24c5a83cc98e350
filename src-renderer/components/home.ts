import type { AgentType } from '../../src-shared/agent';
import type { AppContext } from '../context';
import { h, replaceChildren } from '../lib/dom';
import { isLive, needsPerson, shortPath, STATUS_LABELS } from '../lib/format';
import { icon, TYPE_LABELS, typeIcon } from '../lib/icons';
import { statusBadge } from './agent-list';
import { copyButton } from './login-panel';

/** The main panel with no agent selected: a welcome with no agents, an overview otherwise. */
export class HomeView {
  readonly element = h('section', { class: 'page home-page' });
  private readonly unsubscribe: () => void;

  constructor(private readonly ctx: AppContext) {
    this.unsubscribe = ctx.store.subscribe((change) => {
      if (change.kind !== 'event') this.render();
    });
    this.render();
  }

  private render(): void {
    const { store } = this.ctx;
    if (store.connection === 'unauthorized') {
      replaceChildren(
        this.element,
        h(
          'div',
          { class: 'empty-state' },
          icon('key', 'icon large'),
          h('h1', {}, 'This runtime needs an API key'),
          h('p', { class: 'muted' }, 'Without it, agents cannot be listed or started from this page.'),
          h('button', { class: 'button primary', onclick: () => location.reload() }, icon('key'), 'Enter the key'),
        ),
      );
      return;
    }
    if (!store.loaded) {
      replaceChildren(this.element, h('div', { class: 'empty-state' }, h('span', { class: 'spinner large' }), h('p', { class: 'muted' }, 'Connecting to the runtime…')));
      return;
    }
    const agents = store.list();
    if (agents.length === 0) {
      const installed = (store.health?.adapters ?? []).filter((a) => a.installed && a.type !== 'shell').map((a) => a.type);
      const quick: AgentType[] = installed.length > 0 ? installed : ['claude-code', 'codex', 'gemini-cli'];
      replaceChildren(
        this.element,
        h(
          'div',
          { class: 'empty-state welcome' },
          h('div', { class: 'welcome-icons' }, (['claude-code', 'codex', 'gemini-cli', 'aider'] as const).map((t) => typeIcon(t, 'lg'))),
          h('h1', {}, 'No agents yet — spawn one'),
          h('p', { class: 'muted' }, 'Start a coding agent in a folder; it runs here in its own terminal, and keeps running when this window closes.'),
          h(
            'div',
            { class: 'option-row center' },
            h('button', { class: 'button primary large', dataset: { action: 'new-agent' }, onclick: () => this.ctx.navigate({ name: 'new' }) }, icon('plus'), 'New agent'),
            quick.slice(0, 3).map((t) => h('button', { class: 'button', onclick: () => this.ctx.navigate({ name: 'new', type: t }) }, typeIcon(t, 'sm'), TYPE_LABELS[t])),
          ),
          h('p', { class: 'muted small' }, 'Press ', h('kbd', {}, 'N'), ' for a new agent, ', h('kbd', {}, '?'), ' for all shortcuts.'),
          h(
            'div',
            { class: 'connect-hint' },
            h('span', { class: 'muted small' }, 'Raven Docs can start agents here too. Its runtime address:'),
            h('code', {}, this.ctx.api.baseUrl),
            copyButton(this.ctx, this.ctx.api.baseUrl, 'Copy', 'Address copied'),
          ),
        ),
      );
      return;
    }
    const waiting = agents.filter(needsPerson);
    const live = agents.filter(isLive);
    replaceChildren(
      this.element,
      h('header', { class: 'page-header' }, h('h1', {}, 'Agents'), h('p', { class: 'muted' }, `${live.length} running · ${waiting.length} need${waiting.length === 1 ? 's' : ''} you · ${agents.length - live.length} stopped`)),
      waiting.length > 0
        ? h(
            'div',
            { class: 'overview-cards' },
            waiting.map((a) =>
              h(
                'button',
                { class: 'overview-card needs-you', onclick: () => this.ctx.navigate({ name: 'agent', id: a.id }) },
                typeIcon(a.type),
                h('span', { class: 'overview-card-text' }, h('span', { class: 'agent-name' }, a.name), h('span', { class: 'muted small' }, a.question?.question ?? a.login?.instructions ?? STATUS_LABELS[a.status])),
                statusBadge(a),
              ),
            ),
          )
        : null,
      h(
        'div',
        { class: 'empty-state small' },
        h('p', { class: 'muted' }, waiting.length > 0 ? 'Or pick any agent on the left.' : 'Pick an agent on the left to see its terminal.'),
        h('div', { class: 'overview-list' }, live.slice(0, 6).map((a) => h('button', { class: 'link-button', onclick: () => this.ctx.navigate({ name: 'agent', id: a.id }) }, `${a.name} · ${shortPath(a.workdir)}`))),
      ),
    );
  }

  dispose(): void {
    this.unsubscribe();
  }
}
