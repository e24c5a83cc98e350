import type { AgentHandle, PendingQuestion } from '../../src-shared/agent';
import type { AppContext } from '../context';
import { h, replaceChildren } from '../lib/dom';
import { icon } from '../lib/icons';

/**
 * Shown while an agent waits for an answer: the question and its options as buttons. A button
 * presses the option's keys through the API (POST /agents/:id/keys), so the answer never depends on
 * where the terminal's cursor or focus is. Questions without options get a text answer.
 */

/** If the agent has not moved on after this long, the buttons come back (the keys may have been lost). */
const ANSWER_TIMEOUT_MS = 6_000;

export class QuestionPanel {
  readonly element = h('section', { class: 'banner question-panel', hidden: true, attrs: { 'aria-label': 'Question from the agent', role: 'region' } });
  private shownFor = '';
  private pendingTimer: number | undefined;

  constructor(private readonly ctx: AppContext) {}

  update(agent: AgentHandle): void {
    const question = agent.status === 'waiting_input' ? agent.question : undefined;
    if (!question) {
      this.element.hidden = true;
      this.shownFor = '';
      window.clearTimeout(this.pendingTimer);
      return;
    }
    const key = JSON.stringify([agent.id, question.question, question.options.map((o) => o.label)]);
    this.element.hidden = false;
    if (key === this.shownFor) return;
    this.shownFor = key;
    this.render(agent, question);
  }

  private render(agent: AgentHandle, question: PendingQuestion): void {
    const buttons = question.options.map((option, index) =>
      h(
        'button',
        {
          class: ['button', index === 0 && 'primary'],
          dataset: { option: String(index) },
          onclick: () => void this.answer(agent, () => this.ctx.api.keys(agent.id, option.keys)),
        },
        option.label,
      ),
    );
    const text = h('input', { type: 'text', placeholder: 'Type an answer', attrs: { 'aria-label': 'Answer', autocomplete: 'off' } });
    const free =
      question.options.length === 0
        ? h(
            'form',
            {
              class: 'input-with-button',
              onsubmit: (event) => {
                event.preventDefault();
                const value = text.value;
                void this.answer(agent, () => this.ctx.api.input(agent.id, `${value}\r`));
              },
            },
            text,
            h('button', { type: 'submit', class: 'button primary' }, icon('send'), 'Answer'),
          )
        : null;
    replaceChildren(
      this.element,
      h('div', { class: 'banner-icon attention' }, '?'),
      h(
        'div',
        { class: 'banner-body' },
        h('h2', { class: 'banner-title' }, `${agent.name} asks`),
        h('p', { class: 'question-text' }, question.question),
        buttons.length > 0 ? h('div', { class: 'option-row', role: 'group', attrs: { 'aria-label': 'Answers' } }, buttons) : null,
        free,
        h('p', { class: 'field-help' }, 'Or answer in the terminal below.'),
      ),
    );
  }

  private async answer(agent: AgentHandle, send: () => Promise<unknown>): Promise<void> {
    const controls = [...this.element.querySelectorAll<HTMLButtonElement | HTMLInputElement>('button, input')];
    for (const c of controls) c.disabled = true;
    this.element.classList.add('is-answering');
    const restore = () => {
      for (const c of controls) c.disabled = false;
      this.element.classList.remove('is-answering');
    };
    try {
      await send();
      window.clearTimeout(this.pendingTimer);
      this.pendingTimer = window.setTimeout(restore, ANSWER_TIMEOUT_MS);
    } catch (error) {
      restore();
      this.ctx.toasts.error(`Could not answer ${agent.name}`, error);
    }
  }
}
