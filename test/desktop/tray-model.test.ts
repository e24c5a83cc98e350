import { describe, expect, it, vi, type Mock } from 'vitest';
import {
  buildTrayMenu,
  trayState,
  trayTooltip,
  type TrayActions,
  type TrayMenuItem,
} from '../../src-main/desktop/tray-model';
import { agent } from './agents';

type MockedActions = { [K in keyof TrayActions]: Mock<TrayActions[K]> };

function actions(): MockedActions {
  return {
    openMain: vi.fn<TrayActions['openMain']>(),
    spawn: vi.fn<TrayActions['spawn']>(),
    spawnCustom: vi.fn<TrayActions['spawnCustom']>(),
    openAgent: vi.fn<TrayActions['openAgent']>(),
    openAgentWindow: vi.fn<TrayActions['openAgentWindow']>(),
    stopAgent: vi.fn<TrayActions['stopAgent']>(),
    stopAll: vi.fn<TrayActions['stopAll']>(),
    copyApiAddress: vi.fn<TrayActions['copyApiAddress']>(),
    openSettings: vi.fn<TrayActions['openSettings']>(),
    setOpenAtLogin: vi.fn<TrayActions['setOpenAtLogin']>(),
    retryServer: vi.fn<TrayActions['retryServer']>(),
    quit: vi.fn<TrayActions['quit']>(),
  };
}

function byId(items: TrayMenuItem[], id: string): TrayMenuItem {
  for (const item of items) {
    if (item.id === id) return item;
    const inner = item.submenu ? byIdOrUndefined(item.submenu, id) : undefined;
    if (inner) return inner;
  }
  throw new Error(`no menu item ${id}`);
}

function byIdOrUndefined(items: TrayMenuItem[], id: string): TrayMenuItem | undefined {
  try {
    return byId(items, id);
  } catch {
    return undefined;
  }
}

/** The menu as text, one line per item, submenus indented: easy to read in a failing test. */
function outline(items: TrayMenuItem[], depth = 0): string[] {
  return items.flatMap((item) => {
    const pad = '  '.repeat(depth);
    if (item.type === 'separator') return [`${pad}---`];
    const flags = `${item.enabled === false ? ' (disabled)' : ''}${item.type === 'checkbox' ? (item.checked ? ' [x]' : ' [ ]') : ''}`;
    return [`${pad}${item.label}${flags}`, ...(item.submenu ? outline(item.submenu, depth + 1) : [])];
  });
}

describe('tray icon state', () => {
  it('is idle with no agents or only stopped ones', () => {
    expect(trayState([])).toBe('idle');
    expect(trayState([agent({ status: 'stopped' }), agent({ status: 'ready' })])).toBe('idle');
  });

  it('is working while an agent starts, works or stops', () => {
    for (const status of ['pending', 'starting', 'busy', 'stopping'] as const) {
      expect(trayState([agent({ status: 'ready' }), agent({ status })])).toBe('working');
    }
  });

  it('needs attention for a question or a login, above work and crashes', () => {
    expect(trayState([agent({ status: 'busy' }), agent({ status: 'waiting_input' })])).toBe('attention');
    expect(trayState([agent({ status: 'authenticating' })])).toBe('attention');
    const crashed = agent({ status: 'stopped' });
    expect(trayState([crashed, agent({ status: 'authenticating' })], { crashed: new Set([crashed.id]) })).toBe('attention');
  });

  it('is error for an agent in error, an unseen crash, or a dead server (which beats everything)', () => {
    expect(trayState([agent({ status: 'error' }), agent({ status: 'busy' })])).toBe('error');
    const crashed = agent({ status: 'stopped' });
    expect(trayState([crashed], { crashed: new Set([crashed.id]) })).toBe('error');
    expect(trayState([agent({ status: 'waiting_input' })], { serverError: 'Port 8765 is taken' })).toBe('error');
  });
});

describe('tray tooltip', () => {
  it('counts live agents and says how many need the person', () => {
    const agents = [agent({ status: 'waiting_input' }), agent({ status: 'busy' }), agent({ status: 'ready' }), agent({ status: 'stopped' })];
    expect(trayTooltip(agents)).toBe('Raven Agent Runtime — 3 agents: 1 needs you, 1 working');
    expect(trayTooltip([agent({ status: 'authenticating' }), agent({ status: 'waiting_input' })])).toBe('Raven Agent Runtime — 2 agents: 2 need you');
    expect(trayTooltip([agent({ status: 'ready' })])).toBe('Raven Agent Runtime — 1 agent');
    expect(trayTooltip([])).toBe('Raven Agent Runtime — no agents running');
    expect(trayTooltip([], { serverError: 'Port 8765 is taken by another program.' })).toBe('Raven Agent Runtime — Port 8765 is taken by another program.');
  });
});

describe('tray menu', () => {
  it('has the documented structure with no agents', () => {
    const menu = buildTrayMenu({ agents: [], openAtLogin: false, apiAddress: 'http://127.0.0.1:8765' }, actions());
    expect(outline(menu)).toEqual([
      'Open Raven Agent Runtime',
      '---',
      'Spawn',
      '  Claude Code…',
      '  Codex…',
      '  Gemini CLI…',
      '  Aider…',
      '  ---',
      '  Custom…',
      '---',
      'No agents running (disabled)',
      'Stop all (disabled)',
      '---',
      'Copy API address',
      'Settings…',
      'Open at login [ ]',
      '---',
      'Quit',
    ]);
  });

  it('has one submenu per live agent, those needing the person first, with status, Open terminal and Stop', () => {
    const busy = agent({ name: 'builder', status: 'busy', type: 'codex', workdir: '/home/dev/api' });
    const asking = agent({ name: 'reviewer', status: 'waiting_input', type: 'claude-code', workdir: '/Users/ann/web' });
    const gone = agent({ name: 'old', status: 'stopped' });
    const menu = buildTrayMenu({ agents: [busy, gone, asking], openAtLogin: true, apiAddress: 'http://127.0.0.1:8765' }, actions());
    const text = outline(menu);
    expect(text.slice(text.indexOf('---', 3) + 1, text.indexOf('Stop all'))).toEqual([
      '● reviewer — Needs your answer',
      '  Needs your answer · claude-code (disabled)',
      '  ~/web (disabled)',
      '  ---',
      '  Open terminal',
      '  Open in window',
      '  ---',
      '  Stop',
      '◐ builder — Working',
      '  Working · codex (disabled)',
      '  ~/api (disabled)',
      '  ---',
      '  Open terminal',
      '  Open in window',
      '  ---',
      '  Stop',
    ]);
    expect(text).not.toContain('old');
    expect(text).toContain('Open at login [x]');
    expect(byId(menu, 'stop-all').enabled).toBe(true);
  });

  it('wires every item to its action', () => {
    const a = actions();
    const x = agent({ id: 'x1', status: 'ready' });
    const menu = buildTrayMenu({ agents: [x], openAtLogin: false, apiAddress: 'http://127.0.0.1:8765' }, a);
    byId(menu, 'open').click?.();
    byId(menu, 'spawn:claude-code').click?.();
    byId(menu, 'spawn:aider').click?.();
    byId(menu, 'spawn:custom').click?.();
    byId(menu, 'open:x1').click?.();
    byId(menu, 'window:x1').click?.();
    byId(menu, 'stop:x1').click?.();
    byId(menu, 'stop-all').click?.();
    byId(menu, 'copy-address').click?.();
    byId(menu, 'settings').click?.();
    byId(menu, 'open-at-login').click?.();
    byId(menu, 'quit').click?.();
    expect(a.openMain).toHaveBeenCalledTimes(1);
    expect(a.spawn.mock.calls).toEqual([['claude-code'], ['aider']]);
    expect(a.spawnCustom).toHaveBeenCalledTimes(1);
    expect(a.openAgent).toHaveBeenCalledWith('x1');
    expect(a.openAgentWindow).toHaveBeenCalledWith('x1');
    expect(a.stopAgent).toHaveBeenCalledWith('x1');
    expect(a.stopAll).toHaveBeenCalledTimes(1);
    expect(a.copyApiAddress).toHaveBeenCalledTimes(1);
    expect(a.openSettings).toHaveBeenCalledTimes(1);
    // The checkbox click asks for the opposite of the current state.
    expect(a.setOpenAtLogin).toHaveBeenCalledWith(true);
    expect(a.quit).toHaveBeenCalledTimes(1);
  });

  it('disables Stop for an agent already stopping', () => {
    const stopping = agent({ id: 's1', status: 'stopping' });
    const menu = buildTrayMenu({ agents: [stopping], openAtLogin: false }, actions());
    expect(byId(menu, 'stop:s1').enabled).toBe(false);
    expect(byId(menu, 'stop-all').enabled).toBe(false);
  });

  it('caps the agent entries and links to the window for the rest', () => {
    const many = Array.from({ length: 15 }, () => agent({ status: 'ready' }));
    const a = actions();
    const menu = buildTrayMenu({ agents: many, openAtLogin: false, maxAgentEntries: 12 }, a);
    expect(menu.filter((i) => i.id?.startsWith('agent:'))).toHaveLength(12);
    const more = byId(menu, 'more');
    expect(more.label).toBe('3 more…');
    more.click?.();
    expect(a.openMain).toHaveBeenCalled();
  });

  it('while the server is down: says why, offers Retry, and disables Spawn and Copy API address', () => {
    const a = actions();
    const menu = buildTrayMenu({ agents: [], openAtLogin: false, serverError: 'Port 8765 is taken by another program.' }, a);
    expect(outline(menu).slice(0, 3)).toEqual(['Open Raven Agent Runtime', '⚠ Port 8765 is taken by another program. (disabled)', 'Retry starting the server']);
    expect(byId(menu, 'spawn').enabled).toBe(false);
    expect(byId(menu, 'copy-address').enabled).toBe(false);
    byId(menu, 'retry-server').click?.();
    expect(a.retryServer).toHaveBeenCalledTimes(1);
  });

  it('is a pure function of its input', () => {
    const input = { agents: [agent({ id: 'p1', status: 'busy' })], openAtLogin: false, apiAddress: 'http://127.0.0.1:8765' };
    expect(outline(buildTrayMenu(input, actions()))).toEqual(outline(buildTrayMenu(input, actions())));
  });
});
