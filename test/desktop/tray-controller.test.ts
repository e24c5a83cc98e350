import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AgentHandle } from '../../src-shared/agent';
import { TrayController } from '../../src-main/desktop/app/tray-controller';
import type { TrayActions } from '../../src-main/desktop/tray-model';
import { agent } from './agents';
import { FakeTray, fakeWorld } from './fake-electron-ports';

/** The tray controller alone: debounced rebuilds, crash marks, and no rebuild after quitting. */

const noActions: TrayActions = {
  openMain: () => undefined,
  spawn: () => undefined,
  spawnCustom: () => undefined,
  openAgent: () => undefined,
  openAgentWindow: () => undefined,
  stopAgent: () => undefined,
  stopAll: () => undefined,
  copyApiAddress: () => undefined,
  openSettings: () => undefined,
  setOpenAtLogin: () => undefined,
  retryServer: () => undefined,
  quit: () => undefined,
};

/** A FakeTray that counts how often its menu was set (one rebuild = one setMenu). */
class CountingTray extends FakeTray {
  menus = 0;
  override setMenu(template: FakeTray['menu']): void {
    this.menus++;
    super.setMenu(template);
  }
}

function controller(source: { agents: AgentHandle[]; serverError?: string }) {
  const world = fakeWorld();
  const tray = new CountingTray();
  const trayController = new TrayController(
    { ...world.deps, createTray: () => tray },
    { agents: () => source.agents, serverError: () => source.serverError, apiAddress: () => 'http://127.0.0.1:8765' },
    noActions,
  );
  let clicks = 0;
  trayController.create(() => clicks++);
  return { tray, trayController, clicks: () => clicks };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('TrayController', () => {
  it('builds the tray on creation and hands clicks on', () => {
    const { tray, trayController, clicks } = controller({ agents: [agent({ status: 'busy' })] });
    expect(tray.menus).toBe(1);
    expect(tray.state).toBe('working');
    expect(trayController.lastMenu).toBe(tray.menu);
    tray.click.emit();
    expect(clicks()).toBe(1);
  });

  it('rebuilds once per burst of events, after the burst', () => {
    const source = { agents: [agent({ status: 'ready' })] };
    const { tray, trayController } = controller(source);
    for (let i = 0; i < 5; i++) trayController.scheduleRefresh();
    expect(tray.menus).toBe(1);
    vi.advanceTimersByTime(79);
    expect(tray.menus).toBe(1);
    vi.advanceTimersByTime(1);
    expect(tray.menus).toBe(2);
    trayController.scheduleRefresh();
    vi.advanceTimersByTime(80);
    expect(tray.menus).toBe(3);
  });

  it('shows a crash until the agent starts again, is acknowledged, or is gone', () => {
    const crashed = agent({ id: 'c1', status: 'stopped' });
    const source = { agents: [crashed, agent({ status: 'ready' })] };
    const { tray, trayController } = controller(source);
    trayController.noteRuntimeEvent({ type: 'agent_stopped', agentId: 'c1', agent: crashed, reason: 'exit code 2', exitCode: 2 });
    trayController.refresh();
    expect(tray.state).toBe('error');
    trayController.noteRuntimeEvent({ type: 'agent_started', agentId: 'c1', agent: crashed });
    trayController.refresh();
    expect(tray.state).toBe('idle');

    trayController.noteRuntimeEvent({ type: 'agent_stopped', agentId: 'c1', agent: crashed, reason: 'exit code 2', exitCode: 2 });
    trayController.acknowledge('c1');
    trayController.refresh();
    expect(tray.state).toBe('idle');

    trayController.noteRuntimeEvent({ type: 'agent_stopped', agentId: 'c1', agent: crashed, reason: 'exit code 2', exitCode: 2 });
    source.agents = source.agents.filter((a) => a.id !== 'c1');
    trayController.refresh();
    expect(tray.state).toBe('idle');
  });

  it('a server error turns the icon red whatever the agents do', () => {
    const { tray } = controller({ agents: [agent({ status: 'busy' })], serverError: 'Port 8765 is in use.' });
    expect(tray.state).toBe('error');
  });

  it('after quitting begins, scheduled rebuilds are dropped and destroy removes the tray', () => {
    const { tray, trayController } = controller({ agents: [] });
    trayController.scheduleRefresh();
    trayController.stopRefreshing();
    trayController.scheduleRefresh();
    vi.advanceTimersByTime(1_000);
    expect(tray.menus).toBe(1);
    trayController.destroy();
    expect(tray.destroyed).toBe(true);
    trayController.refresh();
    expect(tray.menus).toBe(1);
  });
});
