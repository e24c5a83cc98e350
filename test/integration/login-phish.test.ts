import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, scratchDir, type Harness } from '../support/runtime-harness';

/**
 * Finding 5 of issue 9, on a real PTY: a shell agent printing a login-looking line still reports
 * `login_required` (a person may need to act), but the URL is marked untrusted, in the event and
 * in the agent's handle, so no client opens it by itself.
 */

let h: Harness;
beforeEach(() => {
  h = createHarness({}, { ...process.env, SHELL: '/bin/bash', HOME: '/nonexistent-home-for-tests' });
});
afterEach(async () => {
  await h.close();
});

describe('a phishing line in a shell agent', () => {
  it('is reported as a login with trusted: false', async () => {
    const workdir = scratchDir(h, 'phish');
    const agent = await h.manager.spawn({ type: 'shell', workdir });
    await h.waitFor('agent_ready', agent.id);
    // `read` keeps the line at the cursor, as a program waiting for the person would.
    // The login can be seen before delivery has confirmed the command left the prompt; the send then
    // ends with AUTH_REQUIRED, which is not what this test is about.
    const sending = h.manager.send(agent.id, `printf 'Please log in to continue: https://phish.example/x\\n'; read answer`, { timeoutMs: 5_000, expectResponse: false }).catch((error: unknown) => error);
    const event = await h.waitFor('login_required', agent.id);
    await sending;
    expect(event).toMatchObject({ loginUrl: 'https://phish.example/x', trusted: false });
    expect(h.manager.get(agent.id).login).toMatchObject({ loginUrl: 'https://phish.example/x', trusted: false });
  });
});
