import type { AgentHandle } from '../../src-shared/agent';
import { h, replaceChildren } from '../lib/dom';
import { isolationBadge, isolationKey } from './isolation-badge';
import { isFailed, isLive, needsPerson, shortPath, STATUS_LABELS, statusTone, uptimeText } from '../lib/format';
import { icon, typeIcon } from '../lib/icons';
import type { Store } from '../lib/store';

/** The sidebar: every agent with its type, live status, folder and uptime; filter by status. */

export type StatusFilter = 'all' | 'active' | 'attention' | 'stopped';

const FILTERS: { id: StatusFilter; label: string; test: (a: AgentHandle) => boolean }[] = [
  { id: 'all', label: 'All', test: () => true },
  { id: 'active', label: 'Running', test: (a) => isLive(a) },
  { id: 'attention', label: 'Needs you', test: needsPerson },
  { id: 'stopped', label: 'Stopped', test: (a) => !isLive(a) },
];

export function statusBadge(agent: AgentHandle): HTMLElement {
  const failed = isFailed(agent);
  const tone = failed ? 'error' : statusTone(agent.status);
  const label = failed ? 'Failed' : STATUS_LABELS[agent.status];
  return h(
    'span',
    { class: ['status-badge', `tone-${tone}`], dataset: failed ? { status: agent.status, failed: 'true' } : { status: agent.status }, title: agent.error ?? label },
    h('span', { class: 'status-dot', attrs: { 'aria-hidden': 'true' } }),
    label,
  );
}

interface Row {
  element: HTMLLIElement;
  uptime: HTMLElement;
  key: string;
}

export class AgentList {
  readonly element: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly empty: HTMLElement;
  private readonly clearStopped: HTMLButtonElement;
  private readonly chips = new Map<StatusFilter, { button: HTMLButtonElement; count: HTMLElement }>();
  readonly search: HTMLInputElement;
  private filter: StatusFilter = 'all';
  private query = '';
  private selectedId: string | undefined;
  private readonly rows = new Map<string, Row>();
  private visibleIds: string[] = [];

  constructor(
    private readonly store: Store,
    private readonly onSelect: (id: string) => void,
    private readonly onNew: () => void,
    private readonly onClearStopped?: () => void,
  ) {
    this.search = h('input', {
      type: 'search',
      class: 'list-search',
      placeholder: 'Filter agents  /',
      attrs: { 'aria-label': 'Filter agents by name, folder or type' },
      oninput: () => {
        this.query = this.search.value.trim().toLowerCase();
        this.render();
      },
      onkeydown: (event) => {
        if (event.key === 'ArrowDown') {
          event.preventDefault();
          this.focusRow(0);
        } else if (event.key === 'Escape') {
          this.search.value = '';
          this.query = '';
          this.render();
          this.search.blur();
        }
      },
    });
    const chipBar = h('div', { class: 'filter-chips', role: 'tablist', attrs: { 'aria-label': 'Filter by status' } });
    for (const f of FILTERS) {
      const count = h('span', { class: 'chip-count' });
      const button = h(
        'button',
        {
          class: 'chip',
          role: 'tab',
          dataset: { filter: f.id },
          attrs: { 'aria-selected': f.id === this.filter ? 'true' : 'false' },
          onclick: () => this.setFilter(f.id),
        },
        f.label,
        count,
      );
      this.chips.set(f.id, { button, count });
      chipBar.appendChild(button);
    }
    this.list = h('ul', {
      class: 'agent-list',
      role: 'listbox',
      attrs: { 'aria-label': 'Agents' },
      onkeydown: (event) => this.onListKey(event),
    });
    this.empty = h('div', { class: 'list-empty', hidden: true });
    this.clearStopped = h(
      'button',
      { class: 'link-button clear-stopped', hidden: true, dataset: { action: 'clear-stopped' }, title: 'Forget every stopped agent (their recordings stay in History)', onclick: () => this.onClearStopped?.() },
      'Clear stopped',
    );
    this.element = h('div', { class: 'agent-list-panel' }, h('div', { class: 'list-tools' }, this.search, chipBar), this.list, this.empty, this.clearStopped);
    store.subscribe((change) => {
      if (change.kind === 'agents' || change.kind === 'agent') this.render();
    });
    this.render();
  }

  setFilter(filter: StatusFilter): void {
    this.filter = filter;
    for (const [id, chip] of this.chips) chip.button.setAttribute('aria-selected', id === filter ? 'true' : 'false');
    this.render();
  }

  setSelected(id: string | undefined): void {
    this.selectedId = id;
    for (const [rowId, row] of this.rows) {
      const selected = rowId === id;
      row.element.classList.toggle('is-selected', selected);
      row.element.setAttribute('aria-selected', selected ? 'true' : 'false');
    }
  }

  /** The agents in list order after filtering (for next/previous shortcuts). */
  get order(): string[] {
    return this.visibleIds;
  }

  private matches(agent: AgentHandle): boolean {
    const f = FILTERS.find((x) => x.id === this.filter);
    if (f && !f.test(agent)) return false;
    if (this.query === '') return true;
    return [agent.name, agent.workdir, agent.type, agent.id].some((field) => field.toLowerCase().includes(this.query));
  }

  render(): void {
    const all = this.store.list();
    for (const f of FILTERS) {
      const n = all.filter(f.test).length;
      const chip = this.chips.get(f.id);
      if (chip) chip.count.textContent = n > 0 ? String(n) : '';
    }
    this.clearStopped.hidden = this.onClearStopped === undefined || !all.some((a) => !isLive(a));
    const shown = all.filter((a) => this.matches(a));
    this.visibleIds = shown.map((a) => a.id);
    const keep = new Set(this.visibleIds);
    for (const [id, row] of this.rows) {
      if (!keep.has(id)) {
        row.element.remove();
        this.rows.delete(id);
      }
    }
    let previous: Element | null = null;
    for (const agent of shown) {
      const key = rowKey(agent);
      let row = this.rows.get(agent.id);
      if (!row || row.key !== key) {
        const fresh = this.buildRow(agent, key);
        const hadFocus = row !== undefined && row.element === document.activeElement;
        if (row) row.element.replaceWith(fresh.element);
        if (hadFocus) fresh.element.focus();
        row = fresh;
        this.rows.set(agent.id, row);
      }
      const expectedNext: Element | null = previous ? previous.nextElementSibling : this.list.firstElementChild;
      if (expectedNext !== row.element) {
        if (previous) previous.after(row.element);
        else this.list.prepend(row.element);
      }
      previous = row.element;
    }
    this.setSelected(this.selectedId);
    this.renderEmpty(all.length, shown.length);
  }

  private renderEmpty(total: number, shown: number): void {
    this.empty.hidden = shown > 0;
    if (shown > 0) return;
    if (!this.store.loaded) {
      replaceChildren(this.empty, h('span', { class: 'spinner' }), ' Loading agents…');
    } else if (total === 0) {
      replaceChildren(
        this.empty,
        h('p', { class: 'list-empty-title' }, 'No agents yet'),
        h('button', { class: 'button primary small', onclick: () => this.onNew() }, icon('plus'), 'Spawn one'),
      );
    } else {
      replaceChildren(
        this.empty,
        h('p', {}, 'No agents match.'),
        h('button', { class: 'link-button', onclick: () => ((this.search.value = ''), (this.query = ''), this.setFilter('all')) }, 'Show all'),
      );
    }
  }

  private buildRow(agent: AgentHandle, key: string): Row {
    const uptime = h('span', { class: 'agent-uptime', title: 'Uptime' }, uptimeText(agent));
    const element = h(
      'li',
      {
        class: ['agent-row', needsPerson(agent) && 'needs-you', !isLive(agent) && 'is-stopped'],
        role: 'option',
        tabIndex: -1,
        dataset: { agentId: agent.id, status: agent.status },
        attrs: { 'aria-selected': 'false', 'aria-label': `${agent.name}, ${STATUS_LABELS[agent.status]}` },
        onclick: () => this.onSelect(agent.id),
      },
      typeIcon(agent.type),
      h(
        'div',
        { class: 'agent-row-main' },
        h('div', { class: 'agent-row-top' }, h('span', { class: 'agent-name' }, agent.name), statusBadge(agent)),
        h(
          'div',
          { class: 'agent-row-bottom' },
          h('span', { class: 'agent-workdir', title: agent.workdir }, ltr(shortPath(agent.workdir))),
          agent.isolation && agent.isolation.mode !== 'none' ? isolationBadge(agent) : null,
          uptime,
        ),
      ),
    );
    return { element, uptime, key };
  }

  /** Once a second: uptimes. Only text nodes change. */
  tick(): void {
    for (const [id, row] of this.rows) {
      const agent = this.store.get(id);
      if (agent) row.uptime.textContent = uptimeText(agent);
    }
  }

  focusSearch(): void {
    this.search.focus();
    this.search.select();
  }

  private focusRow(index: number): void {
    const id = this.visibleIds[Math.max(0, Math.min(index, this.visibleIds.length - 1))];
    this.rows.get(id ?? '')?.element.focus();
  }

  private onListKey(event: KeyboardEvent): void {
    const current = document.activeElement instanceof HTMLElement ? document.activeElement.dataset.agentId : undefined;
    const index = current ? this.visibleIds.indexOf(current) : -1;
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      this.focusRow(index + 1);
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      if (index <= 0) this.search.focus();
      else this.focusRow(index - 1);
    } else if (event.key === 'Home') {
      event.preventDefault();
      this.focusRow(0);
    } else if (event.key === 'End') {
      event.preventDefault();
      this.focusRow(this.visibleIds.length - 1);
    } else if ((event.key === 'Enter' || event.key === ' ') && current) {
      event.preventDefault();
      this.onSelect(current);
    }
  }
}

/**
 * The folder is ellipsised at its start (the end is the informative part) with direction: rtl;
 * left-to-right marks keep the slashes of the path where they belong.
 */
function ltr(text: string): string {
  return `\u200E${text}\u200E`;
}

/** What a row shows, except uptime (ticked in place): a change rebuilds the row. */
function rowKey(agent: AgentHandle): string {
  return [agent.name, agent.status, agent.workdir, agent.type, agent.error ?? '', agent.lastLogin?.instructions ?? '', isolationKey(agent)].join('\u0000');
}
