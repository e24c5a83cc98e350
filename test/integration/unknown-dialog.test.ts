import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, scratchDir, type Harness } from '../support/runtime-harness';

/**
 * Nothing unknown leaves an agent busy forever (real PTY). A Claude-like program
 * (test/fixtures/programs/claude-like-dialog.cjs) runs as `claude`, so the real Claude adapter reads
 * it; mid-turn it draws a dialog that no adapter rule knows, or freezes without one.
 */

const PROGRAM = path.resolve(__dirname, '../fixtures/programs/claude-like-dialog.cjs');
const DIALOG_AFTER_MS = 1_500;
const STALLED_AFTER_MS = 4_000;

let h: Harness;
let workdir: string;
let binDir: string;
beforeEach(() => {
  h = createHarness({ stillness: { dialogAfterMs: DIALOG_AFTER_MS, stalledAfterMs: STALLED_AFTER_MS } }, { ...process.env, HOME: '/nonexistent-home-for-tests' });
  workdir = scratchDir(h, 'work');
  const bin = scratchDir(h, 'bin');
  // The runtime finds `claude` on the PATH; this one runs the test double.
  fs.writeFileSync(path.join(bin, 'claude'), `#!/bin/sh\nexec "${process.execPath}" "${PROGRAM}" "$@"\n`, { mode: 0o755 });
  binDir = bin;
});
afterEach(async () => {
  await h.close();
});
async function spawnDouble(): Promise<string> {
  const agent = await h.manager.spawn({ type: 'claude-code', workdir, env: { PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ''}` } });
  await h.waitFor('agent_ready', agent.id, 15_000);
  return agent.id;
}

describe('an unknown dialog on a still screen (real PTY)', () => {
  it('becomes question kind "unknown" with options from its key hints, and answering through keys moves the agent on', async () => {
    const id = await spawnDouble();
    const sent = Date.now();
    const asked = await h.manager.send(id, 'dialog', { timeoutMs: 20_000 });
    const waited = Date.now() - sent;
    expect(asked.status).toBe('waiting_input');
    expect(asked.question).toEqual({
      kind: 'unknown',
      question: 'Sandbox policy changed The new policy blocks network access for this project.',
      options: [
        { label: 'Apply it now', keys: ['enter'] },
        { label: 'Keep the current policy', keys: ['escape'] },
      ],
    });
    // It waited for the screen to hold still, not for the caller's timeout.
    expect(waited).toBeGreaterThanOrEqual(DIALOG_AFTER_MS);
    const question = await h.waitFor('question', id);
    expect(question.kind).toBe('unknown');
    expect(h.manager.get(id).status).toBe('waiting_input');
    expect(h.manager.get(id).question?.kind).toBe('unknown');

    await h.manager.sendKeys(id, asked.question!.options[0].keys);
    const reply = await h.waitFor('message', id, 15_000, (m) => m.inReplyTo === 'dialog');
    expect(reply.content).toBe('APPLIED');
    expect(h.manager.get(id).status).toBe('ready');
    expect(h.events.some((e) => e.type === 'agent_stalled' && e.agentId === id)).toBe(false);
  }, 40_000);

  it('a still screen with no dialog is reported stalled (event and handle detail) while the status stays busy', async () => {
    const id = await spawnDouble();
    const pending = h.manager.send(id, 'hang', { timeoutMs: 30_000 });
    pending.catch(() => undefined);
    const stalled = await h.waitFor('agent_stalled', id, 20_000);
    expect(stalled.stillForMs).toBeGreaterThanOrEqual(STALLED_AFTER_MS);
    expect(stalled.screenTail).toContain('esc to interrupt');
    expect(stalled.agent.status).toBe('busy');
    expect(stalled.agent.stalledSince).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(h.manager.get(id).stalledSince).toBe(stalled.agent.stalledSince);
    expect(h.events.some((e) => e.type === 'question' && e.agentId === id)).toBe(false);
    await h.manager.stop(id);
    await expect(pending).rejects.toMatchObject({ code: 'AGENT_NOT_READY' });
  }, 40_000);
});
