import { errorInfo } from '../api/client';
import { h } from '../lib/dom';
import { icon } from '../lib/icons';

/**
 * Transient messages in the corner. Errors show their code (e.g. CLI_NOT_FOUND) so a person can
 * search for it or quote it in a bug report, and stay until dismissed; the rest fade.
 */

const INFO_MS = 4_000;
/** More than this and the oldest goes: a burst of failures must not bury the window. */
const MAX_TOASTS = 4;

export class Toasts {
  readonly element = h('div', { class: 'toasts', attrs: { 'aria-live': 'polite', role: 'region', 'aria-label': 'Notifications' } });

  /** Drops every toast (the runtime came back: messages about the old connection are stale). */
  clear(): void {
    this.element.replaceChildren();
  }

  info(message: string): void {
    this.show('info', message);
  }

  success(message: string): void {
    this.show('success', message);
  }

  /** An error from the API (or anything thrown), with a title saying what was being done. */
  error(title: string, error: unknown): void {
    const info = errorInfo(error);
    const hint = typeof info.details.installHint === 'string' ? info.details.installHint : undefined;
    this.show('error', title, info.message, info.code, hint);
  }

  private show(kind: 'info' | 'success' | 'error', title: string, detail?: string, code?: string, command?: string): void {
    const toast = h(
      'div',
      { class: ['toast', `toast-${kind}`], attrs: { role: kind === 'error' ? 'alert' : 'status' } },
      h('span', { class: 'toast-icon' }, icon(kind === 'error' ? 'alert' : kind === 'success' ? 'check' : 'terminal')),
      h(
        'div',
        { class: 'toast-body' },
        h('div', { class: 'toast-title' }, title, code ? h('code', { class: 'error-code' }, code) : null),
        detail ? h('div', { class: 'toast-detail' }, detail) : null,
        command ? h('pre', { class: 'toast-command' }, command) : null,
      ),
      h('button', { class: 'icon-button toast-close', title: 'Dismiss', attrs: { 'aria-label': 'Dismiss' }, onclick: () => toast.remove() }, icon('close')),
    );
    this.element.appendChild(toast);
    while (this.element.children.length > MAX_TOASTS) this.element.firstElementChild?.remove();
    if (kind !== 'error') window.setTimeout(() => toast.remove(), INFO_MS);
  }
}
