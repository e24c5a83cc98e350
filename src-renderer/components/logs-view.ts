import type { AgentHandle } from '../../src-shared/agent';
import type { AppContext } from '../context';
import { h, replaceChildren } from '../lib/dom';
import { isLive } from '../lib/format';
import { icon } from '../lib/icons';

/**
 * The agent's recent lines as a person saw them (GET /agents/:id/logs, escape sequences removed),
 * with search: matches highlighted, a count, next/previous, and "only matching lines".
 */

/** Lines fetched; the runtime caps its own logs at 10 000. */
const TAIL = 2_000;
/** While visible and the agent runs. */
const REFRESH_MS = 2_000;

export class LogsView {
  readonly element: HTMLElement;
  private readonly output: HTMLElement;
  private readonly search: HTMLInputElement;
  private readonly count: HTMLElement;
  private readonly onlyMatches: HTMLInputElement;
  private lines: string[] = [];
  private timer: number | undefined;
  private visible = false;
  private current = 0;
  private loading = false;
  private agent: AgentHandle;

  constructor(
    private readonly ctx: AppContext,
    agent: AgentHandle,
  ) {
    this.agent = agent;
    this.search = h('input', {
      type: 'search',
      placeholder: 'Search logs',
      attrs: { 'aria-label': 'Search logs' },
      oninput: () => ((this.current = 0), this.render(true)),
      onkeydown: (event) => {
        if (event.key === 'Enter') {
          event.preventDefault();
          this.step(event.shiftKey ? -1 : 1);
        }
      },
    });
    this.count = h('span', { class: 'search-count', attrs: { 'aria-live': 'polite' } });
    this.onlyMatches = h('input', { type: 'checkbox', onchange: () => this.render(true) });
    this.output = h('pre', { class: 'logs-output', tabIndex: 0, attrs: { 'aria-label': 'Agent output' } });
    this.element = h(
      'div',
      { class: 'logs-view' },
      h(
        'div',
        { class: 'logs-toolbar' },
        h('div', { class: 'search-field' }, icon('search'), this.search),
        this.count,
        h('button', { class: 'icon-button', title: 'Previous match (Shift+Enter)', onclick: () => this.step(-1) }, '↑'),
        h('button', { class: 'icon-button', title: 'Next match (Enter)', onclick: () => this.step(1) }, '↓'),
        h('label', { class: 'check small' }, this.onlyMatches, 'Only matching lines'),
        h('button', { class: 'button small', onclick: () => void this.load() }, icon('restart'), 'Refresh'),
      ),
      this.output,
    );
  }

  update(agent: AgentHandle): void {
    this.agent = agent;
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    window.clearInterval(this.timer);
    if (!visible) return;
    void this.load();
    this.timer = window.setInterval(() => {
      if (isLive(this.agent)) void this.load();
    }, REFRESH_MS);
  }

  focusSearch(): void {
    this.search.focus();
    this.search.select();
  }

  private async load(): Promise<void> {
    if (this.loading) return;
    this.loading = true;
    try {
      const lines = await this.ctx.api.logs(this.agent.id, TAIL);
      const changed = lines.length !== this.lines.length || lines.some((l, i) => l !== this.lines[i]);
      this.lines = lines;
      if (changed) this.render(false);
    } catch (error) {
      if (this.visible) this.ctx.toasts.error('Could not load the logs', error);
      window.clearInterval(this.timer);
    } finally {
      this.loading = false;
    }
  }

  private render(scrollToMatch: boolean): void {
    const query = this.search.value;
    const needle = query.toLowerCase();
    const atBottom = this.output.scrollTop + this.output.clientHeight >= this.output.scrollHeight - 8;
    const nodes: Node[] = [];
    let matches = 0;
    for (const line of this.lines) {
      const lower = line.toLowerCase();
      const hit = needle !== '' && lower.includes(needle);
      if (this.onlyMatches.checked && needle !== '' && !hit) continue;
      if (!hit) {
        nodes.push(document.createTextNode(`${line}\n`));
        continue;
      }
      let from = 0;
      for (let at = lower.indexOf(needle); at >= 0; at = lower.indexOf(needle, from)) {
        if (at > from) nodes.push(document.createTextNode(line.slice(from, at)));
        nodes.push(h('mark', { dataset: { match: String(matches++) } }, line.slice(at, at + needle.length)));
        from = at + needle.length;
      }
      nodes.push(document.createTextNode(`${line.slice(from)}\n`));
    }
    if (this.lines.length === 0) nodes.push(h('span', { class: 'muted' }, 'No output yet.'));
    replaceChildren(this.output, nodes);
    this.count.textContent = needle === '' ? '' : matches === 0 ? 'No matches' : `${Math.min(this.current + 1, matches)} of ${matches}`;
    if (needle !== '' && matches > 0 && scrollToMatch) this.highlight();
    else if (atBottom || !scrollToMatch) this.output.scrollTop = this.output.scrollHeight;
  }

  private step(delta: number): void {
    const marks = this.output.querySelectorAll('mark');
    if (marks.length === 0) return;
    this.current = (this.current + delta + marks.length) % marks.length;
    this.count.textContent = `${this.current + 1} of ${marks.length}`;
    this.highlight();
  }

  private highlight(): void {
    const marks = this.output.querySelectorAll('mark');
    marks.forEach((m, i) => m.classList.toggle('is-current', i === this.current));
    marks[this.current]?.scrollIntoView({ block: 'center' });
  }

  dispose(): void {
    window.clearInterval(this.timer);
  }
}
