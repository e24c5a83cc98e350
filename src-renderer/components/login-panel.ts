import type { AgentHandle, AgentType, LoginInfo } from '../../src-shared/agent';
import { PROVIDER_LABELS, type Provider } from '../../src-shared/desktop';
import { errorInfo } from '../api/client';
import type { AppContext } from '../context';
import { h, replaceChildren } from '../lib/dom';
import { icon } from '../lib/icons';

/**
 * Shown while an agent waits for a login: the URL as a button (the desktop app also opens it by
 * itself when the setting is on, for trusted URLs only), the device code large with Copy, the CLI's own sign-in choices,
 * and for API-key logins a field that stores the key and restarts the agent with it. It disappears
 * when the agent becomes ready.
 */

const PROVIDER_FOR_TYPE: Partial<Record<AgentType, Provider>> = {
  'claude-code': 'anthropic',
  codex: 'openai',
  'gemini-cli': 'google',
};

const CREDENTIAL_FIELD: Readonly<Record<Provider, string>> = {
  anthropic: 'anthropicKey',
  openai: 'openaiKey',
  google: 'googleKey',
};

export class LoginPanel {
  readonly element = h('section', { class: 'banner login-panel', hidden: true, attrs: { 'aria-label': 'Sign-in required', role: 'region' } });
  private shownFor = '';
  private busy = false;

  constructor(private readonly ctx: AppContext) {}

  update(agent: AgentHandle): void {
    const login = agent.status === 'authenticating' ? agent.login : undefined;
    if (!login) {
      this.element.hidden = true;
      this.shownFor = '';
      return;
    }
    const key = JSON.stringify([agent.id, login.loginUrl, login.trusted, login.deviceCode, login.method, login.options?.length]);
    this.element.hidden = false;
    if (key === this.shownFor) return;
    this.shownFor = key;
    this.render(agent, login);
  }

  private render(agent: AgentHandle, login: LoginInfo): void {
    const url = login.loginUrl;
    const provider = PROVIDER_FOR_TYPE[agent.type];
    const showKeyField = login.method === 'api_key' || provider !== undefined;
    replaceChildren(
      this.element,
      h('div', { class: 'banner-icon attention' }, icon('key')),
      h(
        'div',
        { class: 'banner-body' },
        h('h2', { class: 'banner-title' }, `${agent.name} needs you to sign in`),
        h('p', { class: 'banner-text' }, login.instructions),
        // Any program can print a login-looking line: say so before anyone follows the link.
        url && login.trusted === false
          ? h(
              'p',
              { class: 'notice warning login-url-warning', attrs: { role: 'note' } },
              'This link was not shown by a known sign-in screen of this CLI: the program printed it, and it may lead to a fake login page. Open it only if you expected it, and check the address first.',
            )
          : null,
        url
          ? h(
              'div',
              { class: 'login-url-row' },
              h(
                'button',
                { class: login.trusted === false ? 'button' : 'button primary', dataset: { action: 'open-login', trusted: String(login.trusted !== false) }, onclick: () => this.ctx.openLink(url) },
                icon('external'),
                'Open in browser',
              ),
              h('code', { class: 'login-url', title: url }, url),
              copyButton(this.ctx, url, 'Copy link', 'Login link copied'),
            )
          : null,
        login.deviceCode
          ? h(
              'div',
              { class: 'device-code-row' },
              h('span', { class: 'muted' }, 'Your code'),
              h('output', { class: 'device-code', attrs: { 'aria-label': 'Device code' } }, login.deviceCode),
              copyButton(this.ctx, login.deviceCode, 'Copy code', 'Code copied'),
            )
          : null,
        login.options && login.options.length > 0
          ? h(
              'div',
              { class: 'option-row' },
              login.options.map((option) =>
                h('button', { class: 'button', onclick: () => void this.press(agent, option.keys) }, option.label),
              ),
            )
          : null,
        showKeyField ? this.keyForm(agent, provider, login.method === 'api_key') : null,
      ),
    );
  }

  private async press(agent: AgentHandle, keys: string[]): Promise<void> {
    try {
      await this.ctx.api.keys(agent.id, keys);
    } catch (error) {
      this.ctx.toasts.error('Could not answer', error);
    }
  }

  /** "Use an API key": stored in the desktop app's secret store, or for one run in a browser. */
  private keyForm(agent: AgentHandle, known: Provider | undefined, open: boolean): HTMLElement {
    const input = h('input', { type: 'password', placeholder: 'Paste the API key', attrs: { autocomplete: 'off', spellcheck: 'false', 'aria-label': 'API key' } });
    const providerSelect = known
      ? null
      : h('select', { attrs: { 'aria-label': 'Provider' } }, (Object.keys(PROVIDER_LABELS) as Provider[]).map((p) => h('option', { value: p }, PROVIDER_LABELS[p])));
    const error = h('p', { class: 'field-error', hidden: true });
    const canStore = this.ctx.bridge !== undefined;
    const submit = h('button', { type: 'submit', class: 'button' }, canStore ? 'Save and restart' : 'Restart with this key');
    const form = h(
      'form',
      {
        class: 'key-form',
        onsubmit: (event) => {
          event.preventDefault();
          const provider = known ?? ((providerSelect?.value as Provider | undefined) ?? 'anthropic');
          void this.useKey(agent, provider, input.value.trim(), error, submit);
        },
      },
      h('div', { class: 'input-with-button' }, providerSelect, input, submit),
      error,
      h(
        'p',
        { class: 'field-help' },
        canStore
          ? `Stored encrypted in the system keychain as your ${PROVIDER_LABELS[known ?? 'anthropic'].split(' ')[0]} key, then the agent restarts with it.`
          : 'Used for this run only: a browser cannot store keys in the desktop app.',
      ),
    );
    return h('details', { class: 'key-details', attrs: { open } }, h('summary', {}, 'Use an API key instead'), form);
  }

  private async useKey(agent: AgentHandle, provider: Provider, key: string, error: HTMLElement, submit: HTMLButtonElement): Promise<void> {
    if (this.busy) return;
    error.hidden = true;
    if (key.length < 8 || /\s/.test(key)) {
      error.hidden = false;
      error.textContent = 'That does not look like an API key.';
      return;
    }
    this.busy = true;
    submit.disabled = true;
    try {
      let credentials: Record<string, string> | undefined = { [CREDENTIAL_FIELD[provider]]: key };
      const bridge = this.ctx.bridge;
      if (bridge) {
        const result = await bridge.settings.set({ providerKeys: { [provider]: key } });
        if (!result.ok) {
          error.hidden = false;
          error.textContent = `${result.error} The key is used for this run only.`;
        } else {
          // Stored: the runtime now has it for every new agent, this one included.
          credentials = undefined;
        }
      }
      const fresh = await this.ctx.restart(agent, credentials);
      if (fresh) this.ctx.navigate({ name: 'agent', id: fresh.id });
    } catch (e) {
      const info = errorInfo(e);
      error.hidden = false;
      error.textContent = `${info.message} (${info.code})`;
    } finally {
      this.busy = false;
      submit.disabled = false;
    }
  }
}

export function copyButton(ctx: AppContext, text: string, label: string, done: string): HTMLButtonElement {
  return h(
    'button',
    {
      type: 'button',
      class: 'button small',
      title: label,
      onclick: () => {
        void navigator.clipboard
          ?.writeText(text)
          .then(() => ctx.toasts.success(done))
          .catch(() => ctx.toasts.info('Copying is not allowed here; select the text instead.'));
      },
    },
    icon('copy'),
    label,
  );
}
