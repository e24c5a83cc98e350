import { errorInfo } from '../api/client';
import { h } from '../lib/dom';
import { icon } from '../lib/icons';

/**
 * Transient messages in the corner. Errors show their code (e.g. CLI_NOT_FOUND) so a person can
 * search for it or quote it in a bug report, and stay longer than the rest; all of them go by
 * themselves (hovering holds one). They sit above the message box, never over it or its Send button.
 */

const INFO_MS = 4_000;
/** Long enough to read a code and an install command; a dismissed error is still in the console. */
const ERROR_MS = 12_000;
/** After the pointer leaves a toast it stays this long more. */
const LINGER_MS = 2_000;
/** More than this and the oldest goes: a burst of failures must not bury the window. */
export const MAX_TOASTS = 3;
const GAP_PX = 16;
/** What toasts must not cover: the message box (with Send) of the agent on screen. */
const KEEP_CLEAR_SELECTOR = '.message-box';

export class Toasts {
  readonly element = h('div', { class: 'toasts', attrs: { 'aria-live': 'polite', role: 'region', 'aria-label': 'Notifications' } });
  private placing = false;

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
    let timer = window.setTimeout(() => toast.remove(), kind === 'error' ? ERROR_MS : INFO_MS);
    toast.addEventListener('mouseenter', () => window.clearTimeout(timer));
    toast.addEventListener('mouseleave', () => (timer = window.setTimeout(() => toast.remove(), LINGER_MS)));
    this.keepPlaced();
  }

  /**
   * While any toast is up, keep the stack above the message box. Once a frame: the box grows as a
   * person types, and a route change (a restart opens the new agent) brings one in or takes it away.
   */
  private keepPlaced(): void {
    if (this.placing) return;
    this.placing = true;
    const frame = () => {
      if (this.element.children.length === 0) {
        this.placing = false;
        return;
      }
      const clear = document.querySelector<HTMLElement>(KEEP_CLEAR_SELECTOR);
      const top = clear?.isConnected ? clear.getBoundingClientRect().top : window.innerHeight;
      const bottom = `${Math.max(GAP_PX, window.innerHeight - top + GAP_PX)}px`;
      if (this.element.style.bottom !== bottom) this.element.style.bottom = bottom;
      window.requestAnimationFrame(frame);
    };
    frame();
  }
}
