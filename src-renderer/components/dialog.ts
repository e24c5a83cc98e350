import { h, type Child } from '../lib/dom';
import { icon } from '../lib/icons';

/**
 * Modal dialogs on the native <dialog> element: focus trapping, Esc to close and the backdrop come
 * from the browser, and assistive technology announces them as dialogs.
 */

export function openDialog(title: string, body: Child, options: { className?: string; onClose?: () => void } = {}): HTMLDialogElement {
  const dialog = h(
    'dialog',
    { class: ['dialog', options.className], attrs: { 'aria-label': title } },
    h(
      'header',
      { class: 'dialog-header' },
      h('h2', {}, title),
      h('button', { class: 'icon-button', title: 'Close (Esc)', attrs: { 'aria-label': 'Close' }, onclick: () => dialog.close() }, icon('close')),
    ),
    h('div', { class: 'dialog-body' }, body),
  );
  dialog.addEventListener('close', () => {
    options.onClose?.();
    dialog.remove();
  });
  document.body.appendChild(dialog);
  dialog.showModal();
  return dialog;
}

/**
 * Asks for the runtime's API key (the API answered 401). Resolves with the key, or undefined when
 * the person cancels. The key is kept for this browser tab only (sessionStorage).
 */
export function promptApiKey(reason: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    let result: string | undefined;
    const input = h('input', {
      type: 'password',
      name: 'api-key',
      placeholder: 'API key',
      attrs: { autocomplete: 'off', spellcheck: 'false', 'aria-label': 'API key', required: true },
    });
    const error = h('p', { class: 'field-error', hidden: true });
    const form = h(
      'form',
      {
        class: 'stack',
        onsubmit: (event) => {
          event.preventDefault();
          const key = input.value.trim();
          if (key === '') {
            error.hidden = false;
            error.textContent = 'Enter the key.';
            return;
          }
          result = key;
          dialog.close();
        },
      },
      h('p', {}, 'This runtime requires an API key. You find it in the desktop app under Settings → API key, or in the ', h('code', {}, 'RAVEN_RUNTIME_API_KEY'), ' the headless runtime was started with.'),
      reason ? h('p', { class: 'muted' }, reason) : null,
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'API key'), input),
      error,
      h('p', { class: 'muted small' }, 'Kept for this tab only, and sent as an Authorization header.'),
      h('div', { class: 'dialog-actions' }, h('button', { type: 'submit', class: 'button primary' }, icon('key'), 'Connect')),
    );
    const dialog = openDialog('Connect to the runtime', form, { className: 'dialog-narrow', onClose: () => resolve(result) });
    input.focus();
  });
}

export function confirmDialog(title: string, message: string, confirmLabel: string, danger = false): Promise<boolean> {
  return new Promise((resolve) => {
    let confirmed = false;
    const ok = h('button', { class: ['button', danger ? 'danger' : 'primary'], onclick: () => ((confirmed = true), dialog.close()) }, confirmLabel);
    const dialog = openDialog(
      title,
      [h('p', {}, message), h('div', { class: 'dialog-actions' }, h('button', { class: 'button', onclick: () => dialog.close() }, 'Cancel'), ok)],
      { className: 'dialog-narrow', onClose: () => resolve(confirmed) },
    );
    ok.focus();
  });
}
