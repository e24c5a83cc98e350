import { ISOLATION_MODES, NETWORK_MODES, type IsolationMode, type IsolationSpec, type IsolationSupport, type NetworkMode } from '../../src-shared/isolation';
import { h } from '../lib/dom';
import { MODE_HELP, MODE_LABELS, NETWORK_HELP, NETWORK_LABELS } from '../lib/isolation-text';

/**
 * The spawn form's "Isolation": none / sandbox / container, and the network for an isolated agent.
 * Modes /health says this machine cannot give are disabled, with the reason as their tooltip (when
 * /health does not say, every mode is offered and the runtime answers ISOLATION_UNAVAILABLE). The
 * runtime's default is preselected; the form sends `isolation` only when the person chose
 * something else, so the runtime's hosts and limits still apply field by field.
 */

/** The select's value for "whatever the runtime's default policy says". */
const DEFAULT_NETWORK = '';

export class IsolationChoice {
  readonly element: HTMLElement;
  private mode: IsolationMode = 'none';
  private modeTouched = false;
  private readonly modeButtons = new Map<IsolationMode, HTMLButtonElement>();
  private readonly network: HTMLSelectElement;
  private readonly networkField: HTMLElement;
  private readonly help: HTMLElement;

  constructor(private readonly support: () => IsolationSupport | undefined) {
    const group = h('div', { class: 'segmented', role: 'radiogroup', attrs: { 'aria-label': 'Isolation' } });
    for (const mode of ISOLATION_MODES) {
      const button = h(
        'button',
        { type: 'button', class: 'segment', role: 'radio', dataset: { isolation: mode }, attrs: { 'aria-checked': 'false' }, onclick: () => this.choose(mode) },
        MODE_LABELS[mode],
      );
      this.modeButtons.set(mode, button);
      group.appendChild(button);
    }
    this.network = h(
      'select',
      { name: 'network', attrs: { 'aria-label': 'Network' }, onchange: () => this.renderHelp() },
      h('option', { value: DEFAULT_NETWORK }, "Network: the runtime's default"),
      NETWORK_MODES.map((n) => h('option', { value: n, title: NETWORK_HELP[n] }, `Network: ${NETWORK_LABELS[n]}`)),
    );
    this.networkField = h('span', { class: 'isolation-network' }, this.network);
    this.help = h('span', { class: 'field-help', dataset: { isolationHelp: '' } });
    this.element = h(
      'fieldset',
      { class: 'field isolation-field' },
      h('legend', { class: 'field-label' }, 'Isolation'),
      h('div', { class: 'isolation-choice' }, group, this.networkField),
      this.help,
    );
    this.refresh();
  }

  /** /health changed: availability, and the default while the person has not chosen. */
  refresh(): void {
    const support = this.support();
    for (const [mode, button] of this.modeButtons) {
      const available = support?.[mode].available !== false;
      button.disabled = !available;
      button.title = available ? MODE_HELP[mode] : `Not available here: ${support?.[mode].reason ?? 'this machine cannot give it'}`;
    }
    const keep = this.modeTouched && this.modeButtons.get(this.mode)?.disabled !== true;
    if (!keep) {
      // The runtime's default stays selected even when this machine cannot give it: the spawn is
      // then refused with the reason, rather than quietly started with less isolation.
      this.modeTouched = false;
      this.select(support?.defaultMode ?? 'none');
    }
  }

  /** A person's click: disabled modes cannot be chosen. */
  private choose(mode: IsolationMode): void {
    if (this.modeButtons.get(mode)?.disabled) return;
    this.modeTouched = true;
    this.select(mode);
  }

  private select(mode: IsolationMode): void {
    this.mode = mode;
    for (const [m, button] of this.modeButtons) {
      button.setAttribute('aria-checked', m === mode ? 'true' : 'false');
      button.tabIndex = m === mode ? 0 : -1;
    }
    this.network.disabled = mode === 'none';
    this.networkField.hidden = mode === 'none';
    this.renderHelp();
  }

  private renderHelp(): void {
    const network = this.network.value as NetworkMode | typeof DEFAULT_NETWORK;
    this.help.textContent = this.mode === 'none' || network === DEFAULT_NETWORK ? MODE_HELP[this.mode] : `${MODE_HELP[this.mode]} ${NETWORK_HELP[network]}`;
  }

  /** The spawn's `isolation`, or undefined to leave it to the runtime's default. */
  request(): IsolationSpec | undefined {
    const runtimeDefault = this.support()?.defaultMode ?? 'none';
    const network = this.network.value;
    if (this.mode === 'none') return runtimeDefault === 'none' ? undefined : 'none';
    if (network === DEFAULT_NETWORK) return this.mode === runtimeDefault ? undefined : this.mode;
    return { mode: this.mode, network: network as NetworkMode };
  }
}
