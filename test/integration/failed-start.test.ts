import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/runtime-harness';

/**
 * An agent that dies while starting keeps why (issue 8): the handle holds the last login prompt
 * (`lastLogin`), the error, the exit code and the reason after it stopped, for the UI's "Failed".
 */

let h: Harness;
beforeEach(() => {
  h = createHarness({}, { ...process.env, HOME: '/nonexistent-home-for-tests' });
});
afterEach(async () => {
  await h.close();
});

describe('an agent that fails during start-up', () => {
  it('keeps the login it asked for and why it ended, after it exits 1', async () => {
    const script = 'printf "Sign in to continue: open https://login.example.com/device and enter the code WXYZ-1234\\n"; read answer; exit 1';
    const agent = await h.manager.spawn({ type: 'custom', command: '/bin/sh', args: ['-c', script], workdir: h.scratch });
    const login = await h.waitFor('login_required', agent.id, 10_000);
    expect(login).toMatchObject({ loginUrl: 'https://login.example.com/device', deviceCode: 'WXYZ-1234' });
    // The CLI gives up (as Claude Code does offline).
    h.manager.write(agent.id, '\r');
    const stopped = await h.waitFor('agent_stopped', agent.id, 10_000);
    expect(stopped).toMatchObject({ exitCode: 1, reason: 'exit code 1' });
    const handle = h.manager.get(agent.id);
    expect(handle).toMatchObject({ status: 'stopped', exitCode: 1, reason: 'exit code 1' });
    expect(handle.login).toBeUndefined(); // no longer asking
    expect(handle.lastLogin).toMatchObject({ loginUrl: 'https://login.example.com/device', deviceCode: 'WXYZ-1234', method: 'device_code' });
    expect(handle.error).toContain('exited during start-up (exit code 1) while it needed a login');
    expect(handle.error).toContain('WXYZ-1234');
    // The login_required already told clients; no second alarm.
    expect(h.events.some((e) => e.type === 'agent_error' && e.agentId === agent.id)).toBe(false);
  });

  it('keeps the error with the program’s last words when it dies without asking for a login', async () => {
    const agent = await h.manager.spawn({ type: 'custom', command: '/bin/sh', args: ['-c', 'echo "fatal: cannot reach the model server"; exit 3'], workdir: h.scratch });
    const error = await h.waitFor('agent_error', agent.id, 10_000);
    expect(error.code).toBe('SPAWN_FAILED');
    await h.waitFor('agent_stopped', agent.id, 10_000);
    const handle = h.manager.get(agent.id);
    expect(handle).toMatchObject({ status: 'stopped', exitCode: 3, reason: 'exit code 3' });
    expect(handle.lastLogin).toBeUndefined();
    expect(handle.error).toContain('fatal: cannot reach the model server');
  });

  it('records reason "stopped" and no error when asked to stop', async () => {
    const agent = await h.manager.spawn({ type: 'echo', workdir: h.scratch });
    await h.waitFor('agent_ready', agent.id, 10_000);
    const stopped = await h.manager.stop(agent.id);
    expect(stopped).toMatchObject({ status: 'stopped', reason: 'stopped' });
    expect(stopped.error).toBeUndefined();
  });
});
