import { h, type Child } from '../lib/dom';

/** The settings page's building blocks: a titled card of rows, each a label, its help and a control. */

export function row(label: string, help: string | Child, control: Child, options: { id?: string; error?: HTMLElement } = {}): HTMLElement {
  return h(
    'div',
    { class: 'setting-row', dataset: options.id ? { setting: options.id } : undefined },
    h('div', { class: 'setting-text' }, h('div', { class: 'setting-label' }, label), h('div', { class: 'setting-help' }, help), options.error ?? null),
    h('div', { class: 'setting-control' }, control),
  );
}

export function section(title: string, ...rows: Child[]): HTMLElement {
  return h('section', { class: 'settings-section' }, h('h2', {}, title), h('div', { class: 'settings-card' }, rows));
}
