import { afterEach, describe, expect, it } from 'vitest';
import type { AgentStatus } from '../../src-shared/agent';
import { createClaudeAdapter } from '../../src-main/runtime/adapters/claude';
import { silentLogger } from '../../src-main/runtime/logger';
import { ScreenModel } from '../../src-main/runtime/screen/screen-model';
import { SignalFusion, type FusionHost, type PermissionFact } from '../../src-main/runtime/session/signal-fusion';
import { claudeReplySource, codexReplySource, geminiReplySource } from '../../src-main/runtime/session/signal-replies';
import type { ReplySource } from '../../src-main/runtime/session/signal-fusion';
import { Turn } from '../../src-main/runtime/session/turn';

/**
 * The fusion's rules that do not need a PTY: which hook a permission question's tool comes from,
 * which turn ends a Codex turn, and the Codex path where the screen is ready before notify.
 * (The timing paths run on a real PTY in test/integration/*-fusion.test.ts.)
 */

const screens: ScreenModel[] = [];
afterEach(() => {
  for (const s of screens.splice(0)) s.dispose();
});

class FakeHost implements FusionHost {
  readonly log = silentLogger;
  current: Turn | undefined;
  state: AgentStatus = 'busy';
  committed: 'ready' | 'busy' | undefined = 'busy';
  readonly finished: { turn: Turn; reply: string | undefined }[] = [];
  readonly permissions: PermissionFact[] = [];
  readonly statuses: AgentStatus[] = [];
  status = (): AgentStatus => this.state;
  exited = (): boolean => false;
  currentTurn = (): Turn | undefined => this.current;
  startTurnFromSignal = (): void => undefined;
  finishTurn = (turn: Turn, reply?: string): void => {
    this.finished.push({ turn, reply });
    this.current = undefined;
    turn.end();
  };
  enterReady = (): void => {
    if (this.current) this.finishTurn(this.current);
    this.setStatus('ready');
  };
  setStatus = (status: AgentStatus): void => {
    this.state = status;
    this.statuses.push(status);
  };
  committedScreenKind = (): 'ready' | 'busy' | undefined => this.committed;
  touchActivity = (): void => undefined;
  permissionHook = (fact: PermissionFact): void => {
    this.permissions.push(fact);
  };
}

function setup(source: ReplySource, message = 'hello'): { host: FakeHost; fusion: SignalFusion; turn: Turn } {
  const screen = new ScreenModel({ cols: 80, rows: 24, scrollback: 100 });
  screens.push(screen);
  const host = new FakeHost();
  const turn = new Turn(screen, createClaudeAdapter(), silentLogger, message, 'running');
  host.current = turn;
  return { host, fusion: new SignalFusion(host, source), turn };
}

describe("SignalFusion: the question's tool and input", () => {
  it('Claude: the PermissionRequest hook, which names the tool as PreToolUse does', () => {
    const { host, fusion } = setup(claudeReplySource());
    fusion.handle({ kind: 'tool_starting', tool: 'Read', input: { file_path: '/a' } });
    fusion.handle({ kind: 'permission_requested', tool: 'Bash', input: { command: 'ls' } });
    expect(fusion.pendingPermission()).toEqual({ tool: 'Bash', input: { command: 'ls' } });
    expect(host.permissions).toEqual([{ tool: 'Bash', input: { command: 'ls' } }]);
  });

  it('Claude in auto mode (no PermissionRequest): the tool hook that started and has not finished', () => {
    const { fusion } = setup(claudeReplySource());
    fusion.handle({ kind: 'tool_starting', tool: 'Bash', input: { command: 'ls' } });
    expect(fusion.pendingPermission()).toEqual({ tool: 'Bash', input: { command: 'ls' } });
    fusion.handle({ kind: 'tool_finished', tool: 'Bash', input: { command: 'ls' } });
    expect(fusion.pendingPermission()).toBeUndefined();
  });

  it("Gemini: BeforeTool's name and input, not the Notification's title", () => {
    const { host, fusion } = setup(geminiReplySource());
    fusion.handle({ kind: 'tool_starting', tool: 'run_shell_command', input: { command: 'ls' } });
    fusion.handle({ kind: 'permission_requested', tool: 'Confirm Shell Command', input: { type: 'exec', title: 'Confirm Shell Command' } });
    expect(fusion.pendingPermission()).toEqual({ tool: 'run_shell_command', input: { command: 'ls' } });
    expect(host.permissions).toEqual([{ tool: 'run_shell_command', input: { command: 'ls' } }]);
  });
});

describe('SignalFusion: Codex notify', () => {
  const notify = (thread: string, prompt: string, reply: string) => ({ kind: 'turn_ended' as const, threadId: thread, prompts: [prompt], reply });

  it("a side thread's turn end is ignored; the session's ends the turn with notify's reply", async () => {
    const { host, fusion, turn } = setup(codexReplySource());
    fusion.handle(notify('title', 'Generate a concise, single-line task title for: hello', '{"title":"x"}'));
    expect(host.finished).toEqual([]);
    fusion.handle(notify('main', 'hello', 'PONG\n'));
    await turn.ended;
    expect(host.finished).toEqual([{ turn, reply: 'PONG\n' }]);
    expect(host.state).toBe('ready');
  });

  it('the screen first: ready at once, the turn held for notify, which gives the reply', async () => {
    const { host, fusion, turn } = setup(codexReplySource());
    host.committed = 'ready';
    expect(fusion.holdsScreenReady(turn)).toBe(true);
    expect(host.state).toBe('ready');
    expect(turn.hooks.replyPending).toBe(true);
    expect(host.finished).toEqual([]);
    fusion.handle(notify('main', 'hello', 'PONG\n'));
    await turn.ended;
    expect(host.finished).toEqual([{ turn, reply: 'PONG\n' }]);
    // Ready once, not again.
    expect(host.statuses).toEqual(['ready']);
  });

  it('a turn that showed a question keeps the screen as the source of its reply', () => {
    const { host, fusion, turn } = setup(codexReplySource(), 'RUN_TOOL');
    fusion.onQuestion(turn);
    fusion.handle(notify('main', 'RUN_TOOL', 'TOOL DONE'));
    expect(host.finished).toEqual([]);
    expect(turn.hooks.stopSeen).toBe(true);
  });
});
