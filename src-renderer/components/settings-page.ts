import type { AutoRespondConfig } from '../../src-shared/agent';
import { PROVIDER_LABELS, PROVIDERS, type Provider, type SettingsPatch, type SettingsView, type ThemePreference } from '../../src-shared/desktop';
import type { AppContext } from '../context';
import { h, replaceChildren } from '../lib/dom';
import { icon, TYPE_LABELS } from '../lib/icons';
import { MODE_LABELS } from '../lib/isolation-text';
import { preferences } from '../lib/preferences';
import { forgetStoredKey } from '../lib/session-key';
import { isolationSection } from './isolation-settings';
import { row, section } from './settings-layout';

/**
 * Settings. In the desktop app every field is editable and saved through the bridge (provider keys
 * into the OS keychain). In a browser, the desktop app's settings cannot be read or written: the
 * page shows the runtime's facts (/health), this browser's own look-and-feel preferences, and
 * explains where the rest lives.
 */

const AUTO_RESPONSES: { key: keyof AutoRespondConfig; label: string; help: string }[] = [
  { key: 'trustFolder', label: 'Trust the working folder', help: '"Do you trust this folder?" is answered yes, only for the folder the agent was started in.' },
  { key: 'apiKey', label: 'Use the configured API key', help: 'Claude\'s "Detected a custom API key" prompt is answered yes when the key came from these settings.' },
  { key: 'update', label: 'Decline updates', help: 'Update offers are declined so a CLI does not restart itself mid-session.' },
  { key: 'telemetry', label: 'Decline telemetry', help: 'Usage-data opt-ins are declined.' },
  { key: 'survey', label: 'Dismiss surveys', help: 'In-session feedback surveys are dismissed.' },
];

const THEMES: { id: ThemePreference; label: string }[] = [
  { id: 'system', label: 'System' },
  { id: 'light', label: 'Light' },
  { id: 'dark', label: 'Dark' },
];

function toggle(checked: boolean, label: string, onChange: (value: boolean) => void, disabled = false): HTMLInputElement {
  return h('input', {
    type: 'checkbox',
    class: 'switch',
    checked,
    disabled,
    attrs: { role: 'switch', 'aria-label': label },
    onchange: (event) => onChange((event.target as HTMLInputElement).checked),
  });
}

export class SettingsPage {
  readonly element: HTMLElement;
  private readonly body = h('div', { class: 'settings-body' });
  private readonly status = h('span', { class: 'save-status muted small', attrs: { 'aria-live': 'polite' } });
  private view: SettingsView | undefined;
  private readonly errors = new Map<string, HTMLElement>();
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly ctx: AppContext) {
    this.element = h('section', { class: 'page settings-page' }, h('header', { class: 'page-header' }, h('h1', {}, 'Settings'), this.status), this.body);
    const bridge = ctx.bridge;
    if (bridge) {
      replaceChildren(this.body, h('p', { class: 'muted' }, h('span', { class: 'spinner' }), ' Loading…'));
      void bridge.settings.get().then((view) => this.renderDesktop(view));
      const unsubscribeSettings = bridge.onSettingsChanged((view) => {
        // Another window (or the tray) changed something: show it, unless a field is being edited.
        if (!this.element.contains(document.activeElement) || document.activeElement === document.body) this.renderDesktop(view);
        else this.view = view;
      });
      // Which isolation modes this machine offers comes with /health, possibly after the settings.
      const unsubscribeHealth = ctx.store.subscribe((change) => {
        const editing = this.element.contains(document.activeElement) && document.activeElement !== document.body;
        if (change.kind === 'health' && this.view && !editing) this.renderDesktop(this.view);
      });
      this.unsubscribe = () => {
        unsubscribeSettings();
        unsubscribeHealth();
      };
    } else {
      this.renderBrowser();
      this.unsubscribe = ctx.store.subscribe((change) => {
        if (change.kind === 'health') this.renderBrowser();
      });
    }
  }

  dispose(): void {
    this.unsubscribe?.();
  }

  private errorSlot(field: string): HTMLElement {
    const el = h('p', { class: 'field-error', hidden: true, attrs: { role: 'alert' } });
    this.errors.set(field, el);
    return el;
  }

  private showError(field: string | undefined, message: string): void {
    const slot = (field && (this.errors.get(field) ?? this.errors.get(field.split('.')[0]))) || undefined;
    if (slot) {
      slot.hidden = false;
      slot.textContent = message;
    } else {
      this.ctx.toasts.error('Could not save the setting', new Error(message));
    }
  }

  private clearErrors(): void {
    for (const el of this.errors.values()) el.hidden = true;
  }

  private async save(patch: SettingsPatch): Promise<boolean> {
    const bridge = this.ctx.bridge;
    if (!bridge) return false;
    this.clearErrors();
    this.status.textContent = 'Saving…';
    const result = await bridge.settings.set(patch);
    if (!result.ok) {
      this.status.textContent = '';
      this.showError(result.field, result.error);
      return false;
    }
    this.view = result.settings;
    preferences.fromSettings(result.settings);
    this.status.textContent = result.settings.restartRequired ? 'Saved — restarting the server…' : 'Saved';
    window.setTimeout(() => {
      if (this.status.textContent === 'Saved') this.status.textContent = '';
    }, 2_000);
    return true;
  }

  // ───────────────────────────── desktop ─────────────────────────────

  private renderDesktop(view: SettingsView): void {
    this.view = view;
    this.errors.clear();
    preferences.fromSettings(view);
    replaceChildren(
      this.body,
      this.serverSection(view),
      this.providerSection(view),
      this.agentSection(view),
      isolationSection(view.isolation, {
        support: this.ctx.store.health?.isolation,
        error: this.errorSlot('isolation'),
        save: (isolation) => this.save({ isolation }),
      }),
      section(
        'Auto-responses',
        AUTO_RESPONSES.map((a) =>
          row(a.label, a.help, toggle(view.autoRespond[a.key], a.label, (value) => void this.save({ autoRespond: { ...this.current().autoRespond, [a.key]: value } })), { id: `autoRespond.${a.key}` }),
        ),
      ),
      section(
        'Notifications and login',
        row('Notifications', 'When an agent asks something, needs a login, crashes, or finishes while the window is in the background.', toggle(view.notifications, 'Notifications', (v) => void this.save({ notifications: v })), { id: 'notifications' }),
        row('Open login pages automatically', 'When an agent shows a sign-in link, open it in the browser right away.', toggle(view.openLoginPagesAutomatically, 'Open login pages automatically', (v) => void this.save({ openLoginPagesAutomatically: v })), { id: 'openLoginPagesAutomatically' }),
      ),
      section(
        'Appearance and start-up',
        row('Theme', 'Follow the system, or pick one.', this.themeControl(view.theme, (t) => void this.save({ theme: t })), { id: 'theme' }),
        row('Open at login', 'Start in the tray when you log in.', toggle(view.openAtLogin, 'Open at login', (v) => void this.save({ openAtLogin: v })), { id: 'openAtLogin' }),
      ),
    );
  }

  private current(): SettingsView {
    if (!this.view) throw new Error('settings not loaded');
    return this.view;
  }

  private serverSection(view: SettingsView): HTMLElement {
    const port = h('input', { type: 'number', value: String(view.port), attrs: { min: 1024, max: 65535, 'aria-label': 'Port' } });
    const host = h(
      'select',
      { attrs: { 'aria-label': 'Bind address' } },
      ['127.0.0.1', '::1', 'localhost'].map((v) => h('option', { value: v, attrs: { selected: v === view.bindHost } }, v)),
    );
    const key = h('input', { type: 'password', value: view.apiKey, placeholder: 'None (open to this computer)', attrs: { autocomplete: 'off', spellcheck: 'false', 'aria-label': 'API key' } });
    const origins = h('textarea', { value: view.allowedOrigins.join('\n'), placeholder: 'https://docs.example.com', attrs: { rows: 3, 'aria-label': 'Allowed origins', spellcheck: 'false' } });
    const apply = h('button', { class: 'button primary', disabled: true }, 'Apply and restart server');
    const dirty = () => {
      apply.disabled =
        port.value === String(view.port) && host.value === view.bindHost && key.value === view.apiKey && origins.value.trim() === view.allowedOrigins.join('\n');
    };
    for (const el of [port, host, key, origins]) el.addEventListener('input', dirty);
    apply.addEventListener('click', () => {
      void this.save({
        port: Number(port.value),
        bindHost: host.value,
        apiKey: key.value.trim(),
        allowedOrigins: origins.value.split(/[\n,]/).map((s) => s.trim()).filter(Boolean),
      });
    });
    const bridge = this.ctx.bridge;
    const generate = h(
      'button',
      {
        class: 'button',
        onclick: () => {
          void bridge?.settings.generateApiKey().then((k) => {
            key.value = k;
            key.type = 'text';
            dirty();
          });
        },
      },
      icon('key'),
      'Generate',
    );
    const reveal = h('button', { class: 'icon-button', title: 'Show or hide', attrs: { 'aria-label': 'Show or hide the key' }, onclick: () => (key.type = key.type === 'password' ? 'text' : 'password') }, icon('eye'));
    const copyKey = h('button', { class: 'icon-button', title: 'Copy the key', attrs: { 'aria-label': 'Copy the key' }, onclick: () => void navigator.clipboard?.writeText(key.value).then(() => this.ctx.toasts.success('API key copied')) }, icon('copy'));
    return section(
      'API server',
      row('Address', `Raven Docs and other clients connect to http://${view.bindHost.includes(':') ? `[${view.bindHost}]` : view.bindHost}:${view.port}.`, h('div', { class: 'inline-controls' }, host, port), { id: 'port', error: this.errorSlot('port') }),
      row('API key', 'Clients must send it as "Authorization: Bearer <key>" (WebSockets: ?token=). Leave empty to allow any program on this computer.', h('div', { class: 'inline-controls' }, key, reveal, copyKey, generate), { id: 'apiKey', error: this.errorSlot('apiKey') }),
      row('Allowed origins', 'Web apps that may call the API from a browser, one per line — e.g. your Raven Docs address.', origins, { id: 'allowedOrigins', error: this.errorSlot('allowedOrigins') }),
      h('div', { class: 'setting-actions' }, h('span', { class: 'muted small' }, 'The server restarts and this window reloads; agents keep running.'), apply),
      this.errorSlot('bindHost'),
    );
  }

  private providerSection(view: SettingsView): HTMLElement {
    const storage = view.secretStorage;
    const rows = PROVIDERS.map((provider) => this.providerRow(provider, view, storage.available));
    return section(
      'Provider API keys',
      storage.available
        ? h('p', { class: 'section-note muted small' }, `Stored encrypted by the system (${storage.backend}); agents get them as environment variables.`)
        : h('div', { class: 'notice warning' }, icon('alert'), h('div', {}, h('strong', {}, 'Keys cannot be stored securely on this system. '), storage.reason ?? '')),
      rows,
      this.errorSlot('providerKeys'),
    );
  }

  private providerRow(provider: Provider, view: SettingsView, available: boolean): HTMLElement {
    const status = view.providerKeys[provider];
    const input = h('input', { type: 'password', placeholder: status.set ? 'Replace the key' : 'Paste a key', disabled: !available, attrs: { autocomplete: 'off', spellcheck: 'false', 'aria-label': `${PROVIDER_LABELS[provider]} key` } });
    const save = h('button', { class: 'button', disabled: !available, onclick: () => void this.save({ providerKeys: { [provider]: input.value.trim() } }).then((ok) => ok && this.renderDesktop(this.current())) }, 'Save');
    const remove = status.set
      ? h('button', { class: 'button danger-outline', onclick: () => void this.save({ providerKeys: { [provider]: null } }).then((ok) => ok && this.renderDesktop(this.current())) }, 'Remove')
      : null;
    return row(
      PROVIDER_LABELS[provider],
      status.set ? h('span', {}, h('span', { class: 'status-dot tone-ok' }), ` Set (${status.hint ?? 'stored'})`) : 'Not set',
      h('div', { class: 'inline-controls' }, input, save, remove),
      { id: `providerKeys.${provider}`, error: this.errorSlot(`providerKeys.${provider}`) },
    );
  }

  private agentSection(view: SettingsView): HTMLElement {
    const number = (field: 'maxAgents' | 'terminalCols' | 'terminalRows' | 'fontSize' | 'scrollback', min: number, max: number, label: string) =>
      h('input', {
        type: 'number',
        value: String(view[field]),
        attrs: { min, max, 'aria-label': label },
        onchange: (event) => void this.save({ [field]: Number((event.target as HTMLInputElement).value) }),
      });
    const workdir = h('input', {
      type: 'text',
      value: view.defaultWorkdir,
      placeholder: 'Your home folder',
      attrs: { 'aria-label': 'Default working folder', spellcheck: 'false' },
      onchange: (event) => void this.save({ defaultWorkdir: (event.target as HTMLInputElement).value }),
    });
    const browse = h('button', {
      class: 'button',
      onclick: () => {
        void this.ctx.bridge?.pickFolder(workdir.value || undefined).then((folder) => {
          if (folder) {
            workdir.value = folder;
            void this.save({ defaultWorkdir: folder });
          }
        });
      },
    }, icon('folder'), 'Browse…');
    return section(
      'Agents and terminals',
      row('Default working folder', 'Where new agents start unless you pick another folder.', h('div', { class: 'inline-controls' }, workdir, browse), { id: 'defaultWorkdir', error: this.errorSlot('defaultWorkdir') }),
      row('Max agents', 'Agents that may run at the same time.', number('maxAgents', 1, 50, 'Max agents'), { id: 'maxAgents', error: this.errorSlot('maxAgents') }),
      row('Terminal size', 'Columns × rows for new agents (the terminal view resizes them to fit).', h('div', { class: 'inline-controls' }, number('terminalCols', 20, 1000, 'Columns'), '×', number('terminalRows', 5, 500, 'Rows')), { id: 'terminalCols', error: this.errorSlot('terminalCols') }),
      row('Font size', 'Terminal text size in pixels.', number('fontSize', 8, 32, 'Font size'), { id: 'fontSize', error: this.errorSlot('fontSize') }),
      row('Scrollback', 'Lines each terminal view keeps.', number('scrollback', 0, 100000, 'Scrollback'), { id: 'scrollback', error: this.errorSlot('scrollback') }),
    );
  }

  private themeControl(current: ThemePreference, onChange: (theme: ThemePreference) => void): HTMLElement {
    const group = h('div', { class: 'segmented', role: 'radiogroup', attrs: { 'aria-label': 'Theme' } });
    for (const t of THEMES) {
      group.appendChild(
        h(
          'button',
          {
            class: 'segment',
            role: 'radio',
            dataset: { theme: t.id },
            attrs: { 'aria-checked': t.id === current ? 'true' : 'false' },
            onclick: () => {
              for (const b of group.querySelectorAll('button')) b.setAttribute('aria-checked', b.dataset.theme === t.id ? 'true' : 'false');
              onChange(t.id);
            },
          },
          t.label,
        ),
      );
    }
    return group;
  }

  // ───────────────────────────── browser ─────────────────────────────

  private renderBrowser(): void {
    const prefs = preferences.get();
    const health = this.ctx.store.health;
    const fontSize = h('input', {
      type: 'number',
      value: String(prefs.fontSize),
      attrs: { min: 8, max: 32, 'aria-label': 'Font size' },
      onchange: (event) => preferences.setLocal({ fontSize: Number((event.target as HTMLInputElement).value) }),
    });
    const token = this.ctx.api.token;
    const readOnly = (label: string, help: string) => row(label, help, h('span', { class: 'muted small' }, 'Desktop app only'));
    replaceChildren(
      this.body,
      h(
        'div',
        { class: 'notice' },
        icon('alert'),
        h('div', {}, h('strong', {}, 'Viewing in a browser. '), 'Server, key and agent settings belong to the machine running the runtime: change them in the Raven Agent Runtime desktop app, or with the options of ', h('code', {}, 'raven-runtime start'), '. They are read-only here.'),
      ),
      section(
        'This browser',
        row('Theme', 'Stored in this browser.', this.themeControl(prefs.theme, (t) => preferences.setLocal({ theme: t }))),
        row('Font size', 'Terminal text size in pixels, for this browser.', fontSize),
        row(
          'API key',
          token ? 'This tab connects with a key (kept for this tab only).' : 'This runtime did not ask for a key.',
          token
            ? h('button', { class: 'button', onclick: () => { forgetStoredKey(); location.reload(); } }, 'Forget the key')
            : h('span', { class: 'muted small' }, '—'),
        ),
      ),
      section(
        'Runtime',
        row('Address', 'Where this page talks to the runtime.', h('code', {}, this.ctx.api.baseUrl)),
        row('Version', 'Of the runtime serving this page.', h('span', {}, health?.version ?? '…')),
        row('Max agents', 'Agents that may run at the same time (set where the runtime runs).', h('span', {}, health ? String(health.maxAgents) : '…')),
        (health?.adapters ?? []).map((a) =>
          row(
            TYPE_LABELS[a.type] ?? a.displayName,
            a.installed ? `Installed${a.version ? ` (${a.version})` : ''}` : h('span', {}, 'Not installed — ', h('code', {}, a.installHint)),
            h('span', { class: ['status-dot', a.installed ? 'tone-ok' : 'tone-off'] }),
          ),
        ),
      ),
      section(
        'Desktop app settings',
        readOnly('Port, address, API key, allowed origins', 'The API server of the desktop app.'),
        readOnly('Provider API keys', 'Stored in the desktop app with the system keychain.'),
        readOnly('Auto-responses, notifications, open at login', 'Behaviour of the desktop app.'),
        row(
          'Default isolation',
          h('span', {}, 'Where agents run when a spawn does not say. Set in the desktop app, or with ', h('code', {}, 'raven-runtime start --isolation'), '.'),
          h('span', { dataset: { defaultIsolation: '' } }, health ? (health.isolation ? MODE_LABELS[health.isolation.defaultMode] : 'Not reported by this runtime') : '…'),
        ),
      ),
    );
  }
}
