import type { AgentHandle, AgentStatus, AgentType } from '../../src-shared/agent';

/**
 * The tray as pure functions of the agent list: its state (icon), tooltip and menu template.
 * The menu is rebuilt from scratch on every change (on Linux a mutated menu is not redrawn unless
 * set again, docs/desktop.md "The tray"), so it has to be cheap and deterministic.
 */

export type TrayState = 'idle' | 'working' | 'attention' | 'error';

export const NEEDS_YOU: ReadonlySet<AgentStatus> = new Set(['waiting_input', 'authenticating']);
const WORKING: ReadonlySet<AgentStatus> = new Set(['pending', 'starting', 'busy', 'stopping']);

export function isLive(agent: AgentHandle): boolean {
  return agent.status !== 'stopped' && agent.status !== 'error';
}

export interface TrayContext {
  /** The API server failed (port taken, crash): nothing works until it is fixed. */
  serverError?: string;
  /** Agents that crashed since the person last looked at them. */
  crashed?: ReadonlySet<string>;
}

/**
 * Priority: a dead server beats everything (no agent can be reached); then anything waiting for
 * the person; then crashes; then work in progress.
 */
export function trayState(agents: readonly AgentHandle[], context: TrayContext = {}): TrayState {
  if (context.serverError) return 'error';
  if (agents.some((a) => NEEDS_YOU.has(a.status))) return 'attention';
  if (agents.some((a) => a.status === 'error' || context.crashed?.has(a.id))) return 'error';
  if (agents.some((a) => WORKING.has(a.status))) return 'working';
  return 'idle';
}

const PRODUCT = 'Raven Agent Runtime';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** e.g. "Raven Agent Runtime — 3 agents: 1 needs you, 1 working". */
export function trayTooltip(agents: readonly AgentHandle[], context: TrayContext = {}): string {
  if (context.serverError) return `${PRODUCT} — ${context.serverError}`;
  const live = agents.filter(isLive);
  if (live.length === 0) return `${PRODUCT} — no agents running`;
  const needs = live.filter((a) => NEEDS_YOU.has(a.status)).length;
  const working = live.filter((a) => WORKING.has(a.status)).length;
  const parts: string[] = [];
  if (needs > 0) parts.push(`${needs} need${needs === 1 ? 's' : ''} you`);
  if (working > 0) parts.push(`${working} working`);
  return `${PRODUCT} — ${plural(live.length, 'agent')}${parts.length > 0 ? `: ${parts.join(', ')}` : ''}`;
}

export const STATUS_LABELS: Readonly<Record<AgentStatus, string>> = {
  pending: 'Pending',
  starting: 'Starting…',
  authenticating: 'Needs login',
  ready: 'Ready',
  busy: 'Working',
  waiting_input: 'Needs your answer',
  stopping: 'Stopping…',
  stopped: 'Stopped',
  error: 'Error',
};

/** The spawnable CLIs, in menu order. `custom` needs a command line, so it opens the form. */
export const SPAWN_ENTRIES: readonly { type: AgentType; label: string }[] = [
  { type: 'claude-code', label: 'Claude Code' },
  { type: 'codex', label: 'Codex' },
  { type: 'gemini-cli', label: 'Gemini CLI' },
  { type: 'aider', label: 'Aider' },
];

/** The subset of Electron's MenuItemConstructorOptions we produce (assignable to it). */
export interface TrayMenuItem {
  id?: string;
  label?: string;
  type?: 'normal' | 'separator' | 'submenu' | 'checkbox';
  enabled?: boolean;
  checked?: boolean;
  toolTip?: string;
  submenu?: TrayMenuItem[];
  click?: () => void;
}

export interface TrayActions {
  openMain(): void;
  spawn(type: AgentType): void;
  spawnCustom(): void;
  openAgent(id: string): void;
  openAgentWindow(id: string): void;
  stopAgent(id: string): void;
  stopAll(): void;
  copyApiAddress(): void;
  openSettings(): void;
  setOpenAtLogin(enabled: boolean): void;
  /** Shown only while the server is down. */
  retryServer(): void;
  quit(): void;
}

export interface TrayMenuInput {
  agents: readonly AgentHandle[];
  openAtLogin: boolean;
  apiAddress?: string;
  serverError?: string;
  /** A native menu with dozens of entries is unusable; the rest are one click away in the window. */
  maxAgentEntries?: number;
}

/** A status marker that reads without colour (menus cannot colour text). */
function statusMarker(status: AgentStatus): string {
  if (NEEDS_YOU.has(status)) return '●';
  if (status === 'busy' || status === 'starting' || status === 'pending') return '◐';
  if (status === 'error') return '✕';
  return '○';
}

function shortPath(dir: string): string {
  const home = /^(\/Users\/[^/]+|\/home\/[^/]+|[A-Za-z]:\\Users\\[^\\]+)/.exec(dir);
  return home ? `~${dir.slice(home[0].length)}` : dir;
}

export function agentMenuItem(agent: AgentHandle, actions: TrayActions): TrayMenuItem {
  const live = isLive(agent);
  return {
    id: `agent:${agent.id}`,
    label: `${statusMarker(agent.status)} ${agent.name} — ${STATUS_LABELS[agent.status]}`,
    type: 'submenu',
    submenu: [
      { label: `${STATUS_LABELS[agent.status]} · ${agent.type}`, enabled: false },
      { label: shortPath(agent.workdir), enabled: false },
      { type: 'separator' },
      { id: `open:${agent.id}`, label: 'Open terminal', click: () => actions.openAgent(agent.id) },
      { id: `window:${agent.id}`, label: 'Open in window', click: () => actions.openAgentWindow(agent.id) },
      { type: 'separator' },
      { id: `stop:${agent.id}`, label: 'Stop', enabled: live && agent.status !== 'stopping', click: () => actions.stopAgent(agent.id) },
    ],
  };
}

/** Attention first (they need the person), then working, then the rest; newest first within each. */
export function sortForMenu(agents: readonly AgentHandle[]): AgentHandle[] {
  const rank = (a: AgentHandle) => (NEEDS_YOU.has(a.status) ? 0 : WORKING.has(a.status) ? 1 : isLive(a) ? 2 : 3);
  return [...agents].sort((a, b) => rank(a) - rank(b) || b.createdAt.localeCompare(a.createdAt));
}

export function buildTrayMenu(input: TrayMenuInput, actions: TrayActions): TrayMenuItem[] {
  const max = input.maxAgentEntries ?? 12;
  const live = sortForMenu(input.agents.filter(isLive));
  const shown = live.slice(0, max);
  const serverUp = !input.serverError;
  const items: TrayMenuItem[] = [
    { id: 'open', label: 'Open Raven Agent Runtime', click: actions.openMain },
  ];
  if (input.serverError) {
    items.push(
      { id: 'server-error', label: `⚠ ${input.serverError}`, enabled: false },
      { id: 'retry-server', label: 'Retry starting the server', click: actions.retryServer },
    );
  }
  items.push(
    { type: 'separator' },
    {
      id: 'spawn',
      label: 'Spawn',
      type: 'submenu',
      enabled: serverUp,
      submenu: [
        ...SPAWN_ENTRIES.map<TrayMenuItem>((entry) => ({ id: `spawn:${entry.type}`, label: `${entry.label}…`, click: () => actions.spawn(entry.type) })),
        { type: 'separator' },
        { id: 'spawn:custom', label: 'Custom…', click: actions.spawnCustom },
      ],
    },
    { type: 'separator' },
  );
  if (shown.length === 0) {
    items.push({ id: 'no-agents', label: 'No agents running', enabled: false });
  } else {
    items.push(...shown.map((agent) => agentMenuItem(agent, actions)));
    if (live.length > shown.length) {
      items.push({ id: 'more', label: `${live.length - shown.length} more…`, click: actions.openMain });
    }
  }
  items.push(
    { id: 'stop-all', label: 'Stop all', enabled: live.some((a) => a.status !== 'stopping'), click: actions.stopAll },
    { type: 'separator' },
    { id: 'copy-address', label: 'Copy API address', enabled: serverUp && Boolean(input.apiAddress), toolTip: input.apiAddress, click: actions.copyApiAddress },
    { id: 'settings', label: 'Settings…', click: actions.openSettings },
    {
      id: 'open-at-login',
      label: 'Open at login',
      type: 'checkbox',
      checked: input.openAtLogin,
      click: () => actions.setOpenAtLogin(!input.openAtLogin),
    },
    { type: 'separator' },
    { id: 'quit', label: 'Quit', click: actions.quit },
  );
  return items;
}
