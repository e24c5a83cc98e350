import { AGENT_TYPES, resolveAgentType, type AgentType } from '../../src-shared/agent';
import type { CreateAgentRequest } from '../../src-shared/api';
import { ApiError, errorInfo } from '../api/client';
import type { AppContext } from '../context';
import { h, replaceChildren } from '../lib/dom';
import { isMac, splitArgs } from '../lib/format';
import { icon, TYPE_LABELS, typeIcon } from '../lib/icons';
import { lastWorkdir, setLastWorkdir } from '../lib/spawn-memory';
import { IsolationChoice } from './isolation-choice';

/**
 * "New agent": type, name, folder, arguments. A missing CLI is reported with its install command
 * (CLI_NOT_FOUND carries it in `details.installHint`), before the spawn when /health already knows.
 * Isolation (isolation-choice.ts) is chosen here too; ISOLATION_UNAVAILABLE comes back with its reason.
 */

const TYPE_ORDER: AgentType[] = ['claude-code', 'codex', 'gemini-cli', 'aider', 'shell', 'custom', 'echo'];
const TYPE_BLURBS: Readonly<Record<AgentType, string>> = {
  'claude-code': "Anthropic's coding agent",
  codex: "OpenAI's coding agent",
  'gemini-cli': "Google's coding agent",
  aider: 'Pair programming in git',
  shell: 'Your login shell',
  custom: 'Any command line program',
  echo: 'Test agent: replies with your message',
};

export class SpawnForm {
  readonly element: HTMLElement;
  private type: AgentType = 'claude-code';
  private readonly typeButtons = new Map<AgentType, HTMLButtonElement>();
  private readonly typeNotes = new Map<AgentType, HTMLElement>();
  private readonly name: HTMLInputElement;
  private readonly workdir: HTMLInputElement;
  private readonly command: HTMLInputElement;
  private readonly commandField: HTMLElement;
  private readonly args: HTMLInputElement;
  private readonly errorBox: HTMLElement;
  private readonly isolation: IsolationChoice;
  private readonly submit: HTMLButtonElement;
  private busy = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly ctx: AppContext,
    initial: { type?: string; workdir?: string },
  ) {
    const resolved = initial.type ? resolveAgentType(initial.type) : undefined;
    if (resolved) this.type = resolved;
    const typeGrid = h('div', { class: 'type-grid', role: 'radiogroup', attrs: { 'aria-label': 'Agent type' } });
    for (const type of TYPE_ORDER) {
      const note = h('span', { class: 'type-note' });
      const button = h(
        'button',
        {
          type: 'button',
          class: 'type-card',
          role: 'radio',
          dataset: { type },
          attrs: { 'aria-checked': 'false' },
          onclick: () => this.selectType(type),
          onkeydown: (event) => this.onTypeKey(event, type),
        },
        typeIcon(type, 'lg'),
        h('span', { class: 'type-card-text' }, h('span', { class: 'type-name' }, TYPE_LABELS[type]), h('span', { class: 'type-blurb' }, TYPE_BLURBS[type]), note),
      );
      this.typeButtons.set(type, button);
      this.typeNotes.set(type, note);
      typeGrid.appendChild(button);
    }

    this.name = h('input', { type: 'text', name: 'name', placeholder: 'e.g. api-refactor', attrs: { autocomplete: 'off', maxlength: 200 } });
    const defaultDir = initial.workdir ?? (ctx.desktopSettings()?.defaultWorkdir || lastWorkdir());
    this.workdir = h('input', { type: 'text', name: 'workdir', value: defaultDir, placeholder: 'Home folder if empty', attrs: { autocomplete: 'off', spellcheck: 'false' } });
    const browse = ctx.bridge
      ? h('button', { type: 'button', class: 'button', onclick: () => void this.browse() }, icon('folder'), 'Browse…')
      : null;
    this.command = h('input', { type: 'text', name: 'command', placeholder: 'e.g. bash, python3, /usr/local/bin/my-agent', attrs: { autocomplete: 'off', spellcheck: 'false' } });
    this.commandField = h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Command'), this.command, h('span', { class: 'field-help' }, 'The program to run. Put its arguments below.'));
    this.args = h('input', { type: 'text', name: 'args', placeholder: 'Optional, e.g. --model sonnet', attrs: { autocomplete: 'off', spellcheck: 'false' } });
    this.isolation = new IsolationChoice(() => ctx.store.health?.isolation);
    this.errorBox = h('div', { class: 'form-error', hidden: true, attrs: { role: 'alert' } });
    this.submit = h('button', { type: 'submit', class: 'button primary large' }, icon('play'), 'Start agent');

    const form = h(
      'form',
      {
        class: 'spawn-form',
        onsubmit: (event) => {
          event.preventDefault();
          void this.spawn();
        },
        onkeydown: (event) => {
          if (event.key === 'Enter' && (event.metaKey || event.ctrlKey)) {
            event.preventDefault();
            void this.spawn();
          }
        },
      },
      h('fieldset', { class: 'field' }, h('legend', { class: 'field-label' }, 'Agent'), typeGrid),
      this.commandField,
      h('div', { class: 'field-row' }, h('label', { class: 'field grow' }, h('span', { class: 'field-label' }, 'Working folder'), h('div', { class: 'input-with-button' }, this.workdir, browse))),
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Name'), this.name),
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Extra arguments'), this.args, h('span', { class: 'field-help' }, 'Passed to the CLI after its own; quote words with spaces.')),
      this.isolation.element,
      this.errorBox,
      h('div', { class: 'form-actions' }, this.submit, h('span', { class: 'muted small' }, isMac() ? '⌘↩' : 'Ctrl+Enter')),
    );
    this.element = h('section', { class: 'page spawn-page' }, h('header', { class: 'page-header' }, h('h1', {}, 'New agent')), form);
    this.unsubscribe = ctx.store.subscribe((change) => {
      if (change.kind !== 'health') return;
      this.renderAdapters();
      this.isolation.refresh();
    });
    this.selectType(this.type, false);
    this.renderAdapters();
  }

  focus(): void {
    this.typeButtons.get(this.type)?.focus();
  }

  dispose(): void {
    this.unsubscribe();
  }

  private selectType(type: AgentType, focus = true): void {
    this.type = type;
    for (const [t, button] of this.typeButtons) {
      button.setAttribute('aria-checked', t === type ? 'true' : 'false');
      button.tabIndex = t === type ? 0 : -1;
    }
    if (focus) this.typeButtons.get(type)?.focus();
    this.commandField.hidden = type !== 'custom';
    this.clearError();
    this.renderAdapters();
  }

  private onTypeKey(event: KeyboardEvent, type: AgentType): void {
    const index = TYPE_ORDER.indexOf(type);
    const step = event.key === 'ArrowRight' || event.key === 'ArrowDown' ? 1 : event.key === 'ArrowLeft' || event.key === 'ArrowUp' ? -1 : 0;
    if (step === 0) return;
    event.preventDefault();
    this.selectType(TYPE_ORDER[(index + step + TYPE_ORDER.length) % TYPE_ORDER.length]);
  }

  /** Marks CLIs that /health says are missing, and shows the install command for the selected one. */
  private renderAdapters(): void {
    const adapters = this.ctx.store.health?.adapters ?? [];
    for (const type of AGENT_TYPES) {
      const note = this.typeNotes.get(type);
      if (!note) continue;
      const a = adapters.find((x) => x.type === type);
      note.textContent = a ? (a.installed ? (a.version ? `v${a.version.replace(/^v/, '')}` : 'Installed') : 'Not installed') : '';
      note.classList.toggle('is-missing', a !== undefined && !a.installed);
    }
    const selected = adapters.find((x) => x.type === this.type);
    if (selected && !selected.installed && this.errorBox.hidden) {
      this.showError('CLI_NOT_FOUND', `${selected.displayName} is not installed on the machine running the runtime.`, selected.installHint, false);
    } else if (selected?.installed && this.errorBox.dataset.code === 'CLI_NOT_FOUND' && this.errorBox.dataset.sticky !== 'true') {
      this.clearError();
    }
  }

  private async browse(): Promise<void> {
    const folder = await this.ctx.bridge?.pickFolder(this.workdir.value || undefined);
    if (folder) this.workdir.value = folder;
  }

  private clearError(): void {
    this.errorBox.hidden = true;
    delete this.errorBox.dataset.code;
    delete this.errorBox.dataset.sticky;
    for (const input of [this.workdir, this.command, this.args, this.name]) input.removeAttribute('aria-invalid');
  }

  private showError(code: string, message: string, installHint?: string, sticky = true): void {
    this.errorBox.hidden = false;
    this.errorBox.dataset.code = code;
    this.errorBox.dataset.sticky = String(sticky);
    const copy = installHint
      ? h('button', {
          type: 'button',
          class: 'button small',
          onclick: () => {
            void navigator.clipboard?.writeText(installHint).then(() => this.ctx.toasts.success('Install command copied'));
          },
        }, icon('copy'), 'Copy')
      : null;
    replaceChildren(
      this.errorBox,
      h('div', { class: 'form-error-title' }, icon('alert'), h('span', {}, message), h('code', { class: 'error-code' }, code)),
      installHint ? h('div', { class: 'install-hint' }, h('span', { class: 'muted' }, 'Install it with'), h('pre', {}, installHint), copy) : null,
    );
  }

  private async spawn(): Promise<void> {
    if (this.busy) return;
    this.clearError();
    const parsed = splitArgs(this.args.value);
    if (!parsed.ok) {
      this.args.setAttribute('aria-invalid', 'true');
      this.showError('VALIDATION_ERROR', `Extra arguments: ${parsed.error}`);
      return;
    }
    const request: CreateAgentRequest = { type: this.type };
    const name = this.name.value.trim();
    // The runtime wants a name for echo agents (as Parallax does); the form supplies one.
    if (name) request.name = name;
    else if (this.type === 'echo') request.name = 'echo';
    const workdir = this.workdir.value.trim();
    if (workdir) request.workdir = workdir;
    if (this.type === 'custom') {
      const command = splitArgs(this.command.value);
      if (!command.ok || command.args.length === 0) {
        this.command.setAttribute('aria-invalid', 'true');
        this.showError('VALIDATION_ERROR', command.ok ? 'A custom agent needs a command.' : `Command: ${command.error}`);
        this.command.focus();
        return;
      }
      // "python3 -m my_agent" in the command field works too: the first word is the program.
      request.command = command.args[0];
      request.args = [...command.args.slice(1), ...parsed.args];
    } else if (parsed.args.length > 0) {
      request.args = parsed.args;
    }
    const isolation = this.isolation.request();
    if (isolation !== undefined) request.isolation = isolation;
    const settings = this.ctx.desktopSettings();
    if (settings) {
      request.cols = settings.terminalCols;
      request.rows = settings.terminalRows;
    }
    this.setBusy(true);
    try {
      const agent = await this.ctx.api.spawn(request);
      if (workdir) setLastWorkdir(workdir);
      this.ctx.store.addIfMissing(agent);
      this.ctx.navigate({ name: 'agent', id: agent.id });
    } catch (error) {
      const info = errorInfo(error);
      const field = typeof info.details.field === 'string' ? info.details.field : undefined;
      if (field === 'workdir') this.workdir.setAttribute('aria-invalid', 'true');
      if (field === 'command') this.command.setAttribute('aria-invalid', 'true');
      const hint = typeof info.details.installHint === 'string' ? info.details.installHint : undefined;
      this.showError(info.code, info.message, hint);
      if (!(error instanceof ApiError)) this.ctx.toasts.error('Could not start the agent', error);
    } finally {
      this.setBusy(false);
    }
  }

  private setBusy(busy: boolean): void {
    this.busy = busy;
    this.submit.disabled = busy;
    replaceChildren(this.submit, busy ? h('span', { class: 'spinner' }) : icon('play'), busy ? 'Starting…' : 'Start agent');
  }
}
