import { isTerminalStatus, type AgentHandle } from '../../src-shared/agent';
import { errorInfo } from '../api/client';
import type { AppContext } from '../context';
import { h, replaceChildren } from '../lib/dom';
import { STATUS_LABELS } from '../lib/format';
import { icon } from '../lib/icons';

/**
 * Sends a message through POST /agents/:id/send (the runtime types it, submits it and waits for the
 * turn to end) and shows the reply. The exchanges are kept per agent for this page's lifetime.
 */

interface Exchange {
  message: string;
  state: 'sending' | 'done' | 'failed' | 'asked';
  reply?: string;
  error?: { code: string; message: string };
  at: number;
}

function placeholderFor(agent: AgentHandle, ready: boolean): string {
  if (ready) return `Message ${agent.name}…`;
  if (isTerminalStatus(agent.status)) return `${agent.name} has stopped; restart it to send messages`;
  if (agent.automationPaused) return `${agent.name} is paused (someone took over the terminal)`;
  return `${agent.name}: ${STATUS_LABELS[agent.status].toLowerCase()} — messages can be sent when it is ready`;
}

const conversations = new Map<string, Exchange[]>();
/** Shown by default; older ones behind "Show earlier". */
const RECENT = 3;

export class MessageBox {
  readonly element: HTMLElement;
  private readonly history: HTMLElement;
  private readonly textarea: HTMLTextAreaElement;
  private readonly sendButton: HTMLButtonElement;
  private readonly hint: HTMLElement;
  private agent: AgentHandle;
  private showAll = false;
  private inflight: AbortController | undefined;

  constructor(
    private readonly ctx: AppContext,
    agent: AgentHandle,
  ) {
    this.agent = agent;
    this.history = h('div', { class: 'exchanges', attrs: { 'aria-live': 'polite' } });
    this.textarea = h('textarea', {
      class: 'message-input',
      attrs: { 'aria-label': `Message ${agent.name}`, spellcheck: 'true' },
      oninput: () => this.autosize(),
      onkeydown: (event) => {
        if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          void this.send();
        }
      },
    });
    this.textarea.rows = 1;
    this.sendButton = h('button', { class: 'button primary', title: 'Send (Enter)', onclick: () => void this.send() }, icon('send'), 'Send');
    this.hint = h('span', { class: 'message-hint muted small' });
    this.element = h(
      'div',
      { class: 'message-box' },
      this.history,
      h('div', { class: 'message-compose' }, this.textarea, this.sendButton),
      this.hint,
    );
    this.renderHistory();
    this.update(agent);
  }

  update(agent: AgentHandle): void {
    this.agent = agent;
    const ready = agent.status === 'ready' && !agent.automationPaused;
    this.sendButton.disabled = !ready || this.inflight !== undefined;
    this.textarea.placeholder = placeholderFor(agent, ready);
    // The hint line keeps its height whatever the status (CSS fixes it; the text only changes):
    // a terminal that refits when the status changes resizes the PTY, the program redraws, and
    // that output can change the status again.
    this.hint.textContent = ready ? 'Enter to send · Shift+Enter for a new line' : '\u00a0';
  }

  focus(): void {
    this.textarea.focus();
  }

  private autosize(): void {
    this.textarea.style.height = 'auto';
    this.textarea.style.height = `${Math.min(this.textarea.scrollHeight, 200)}px`;
  }

  private get exchanges(): Exchange[] {
    let list = conversations.get(this.agent.id);
    if (!list) {
      list = [];
      conversations.set(this.agent.id, list);
    }
    return list;
  }

  private async send(): Promise<void> {
    const message = this.textarea.value.trim();
    if (message === '' || this.inflight) return;
    if (this.agent.status !== 'ready') {
      this.ctx.toasts.info(`${this.agent.name} is ${STATUS_LABELS[this.agent.status].toLowerCase()}; wait until it is ready.`);
      return;
    }
    const exchange: Exchange = { message, state: 'sending', at: Date.now() };
    this.exchanges.push(exchange);
    this.textarea.value = '';
    this.autosize();
    this.inflight = new AbortController();
    this.update(this.agent);
    this.renderHistory();
    const agentId = this.agent.id;
    try {
      const result = await this.ctx.api.send(agentId, message, this.inflight.signal);
      exchange.reply = result.response.content;
      exchange.state = result.question ? 'asked' : 'done';
      if (result.question) exchange.reply = `${exchange.reply ? `${exchange.reply}\n\n` : ''}It asks: ${result.question.question}`;
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') {
        exchange.state = 'failed';
        exchange.error = { code: 'CANCELLED', message: 'Stopped waiting. The agent may still be working; watch the terminal.' };
      } else {
        const info = errorInfo(error);
        exchange.state = 'failed';
        exchange.error = { code: info.code, message: info.message };
        const partial = typeof info.details.partialResponse === 'string' ? info.details.partialResponse : '';
        if (partial) exchange.reply = partial;
      }
    } finally {
      this.inflight = undefined;
      if (this.agent.id === agentId) {
        this.update(this.agent);
        this.renderHistory();
      }
    }
  }

  private renderHistory(): void {
    const all = this.exchanges;
    const shown = this.showAll ? all : all.slice(-RECENT);
    replaceChildren(
      this.history,
      all.length > shown.length
        ? h('button', { class: 'link-button small', onclick: () => ((this.showAll = true), this.renderHistory()) }, `Show ${all.length - shown.length} earlier`)
        : null,
      shown.map((x) =>
        h(
          'div',
          { class: ['exchange', `is-${x.state}`] },
          h('div', { class: 'exchange-message' }, h('span', { class: 'exchange-who' }, 'You'), h('span', { class: 'exchange-text' }, x.message)),
          x.state === 'sending'
            ? h(
                'div',
                { class: 'exchange-reply pending' },
                h('span', { class: 'spinner' }),
                'Waiting for the reply…',
                h('button', { class: 'link-button small', onclick: () => this.inflight?.abort() }, 'Stop waiting'),
              )
            : null,
          x.reply !== undefined && x.reply !== ''
            ? h('div', { class: 'exchange-reply' }, h('span', { class: 'exchange-who' }, this.agent.name), h('pre', { class: 'exchange-text' }, x.reply))
            : x.state === 'done'
              ? h('div', { class: 'exchange-reply muted' }, '(no text in the reply)')
              : null,
          x.error ? h('div', { class: 'exchange-error' }, icon('alert'), h('span', {}, x.error.message), h('code', { class: 'error-code' }, x.error.code)) : null,
        ),
      ),
    );
    this.history.hidden = all.length === 0;
  }
}
