import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_AUTO_RESPOND, type LoginInfo } from '../../src-shared/agent';
import type { CliAdapter, DetectedPrompt, ScreenState } from '../../src-main/runtime/adapters/types';
import { sameScreenState } from '../../src-main/runtime/state-tracker';
import { AutoAnswerer, type AutoAnswering, type KeyPresser } from '../../src-main/runtime/session/auto-answer';
import { judgeExit, lastWords } from '../../src-main/runtime/session/exit';
import { buildHandle, type HandleFacts } from '../../src-main/runtime/session/handle';
import { LoginState } from '../../src-main/runtime/session/login';
import { MessageFactory } from '../../src-main/runtime/session/turn';

/** The pieces of runtime/session/ that hold a rule of their own, without a PTY. */

const TRUST: DetectedPrompt = {
  kind: 'trust_folder',
  question: 'Do you trust the files in this folder?',
  options: [{ label: 'Yes', keys: ['enter'] }],
  autoAnswer: { rule: 'trust-folder', category: 'trustFolder', keys: ['1', 'enter'] },
  fingerprint: 'trust:/work',
};

class RecordingKeys implements KeyPresser {
  readonly pressed: string[][] = [];
  async pressKeys(keys: readonly string[]): Promise<void> {
    this.pressed.push([...keys]);
  }
}

describe('AutoAnswerer', () => {
  afterEach(() => vi.useRealTimers());

  function setup(config = DEFAULT_AUTO_RESPOND) {
    const keys = new RecordingKeys();
    const output = { lastOutputAt: 0 };
    const answerer = new AutoAnswerer({ ...config }, keys, output);
    const answering: AutoAnswering[] = [];
    const lost: DetectedPrompt[] = [];
    answerer.onAnswering((event) => {
      // Announced before the keys go out, so the event never trails what it reports.
      expect(keys.pressed).toHaveLength(answering.length);
      answering.push(event);
    });
    answerer.onKeysLost((prompt) => lost.push(prompt));
    return { keys, output, answerer, answering, lost };
  }

  it('answers a dialog its category allows, at most three times per fingerprint', () => {
    vi.useFakeTimers();
    const { keys, answerer, answering } = setup();
    expect([1, 2, 3, 4].map(() => answerer.answer(TRUST, false))).toEqual([true, true, true, false]);
    expect(keys.pressed).toEqual([
      ['1', 'enter'],
      ['1', 'enter'],
      ['1', 'enter'],
    ]);
    expect(answering.map((event) => event.tries)).toEqual([1, 2, 3]);
    expect(answering[0].answer.rule).toBe('trust-folder');
    // Another dialog has its own count.
    expect(answerer.answer({ ...TRUST, fingerprint: 'trust:/other' }, false)).toBe(true);
    answerer.dispose();
  });

  it('leaves the dialog to a person when its category is off, it has no rule, or automation is paused', () => {
    const { keys, answerer, answering } = setup({ ...DEFAULT_AUTO_RESPOND, trustFolder: false });
    expect(answerer.answer(TRUST, false)).toBe(false);
    expect(answerer.answer({ ...TRUST, autoAnswer: undefined, fingerprint: 'plain' }, false)).toBe(false);
    const allowed = setup();
    expect(allowed.answerer.answer(TRUST, true)).toBe(false);
    expect([...keys.pressed, ...allowed.keys.pressed]).toEqual([]);
    expect(answering).toEqual([]);
    answerer.dispose();
    allowed.answerer.dispose();
  });

  it('reports the keys lost when the program printed nothing after them, and not when it did', () => {
    vi.useFakeTimers();
    const silent = setup();
    silent.answerer.answer(TRUST, false);
    vi.advanceTimersByTime(1_499);
    expect(silent.lost).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(silent.lost).toEqual([TRUST]);

    const answered = setup();
    answered.answerer.answer(TRUST, false);
    // Output well after the keys had time to arrive (two keys, 50 ms apart).
    answered.output.lastOutputAt = Date.now() + 200;
    vi.advanceTimersByTime(1_500);
    expect(answered.lost).toEqual([]);
    silent.answerer.dispose();
    answered.answerer.dispose();
  });

  it('retries nothing once disposed (the program exited)', () => {
    vi.useFakeTimers();
    const { answerer, lost } = setup();
    answerer.answer(TRUST, false);
    answerer.dispose();
    vi.advanceTimersByTime(5_000);
    expect(lost).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('sameScreenState (what the tracker treats as the same committed state)', () => {
  const login = (extra: Partial<LoginInfo> = {}): ScreenState => ({ kind: 'login', login: { method: 'oauth_browser', loginUrl: 'https://a.example/x', instructions: 'Sign in', ...extra } });

  it('matches plain states by kind', () => {
    expect(sameScreenState({ kind: 'ready' }, { kind: 'ready' })).toBe(true);
    expect(sameScreenState({ kind: 'ready' }, { kind: 'busy' })).toBe(false);
    expect(sameScreenState({ kind: 'starting' }, { kind: 'prompt', prompt: TRUST })).toBe(false);
  });

  it('matches prompts by fingerprint, whatever their wording after a redraw', () => {
    expect(sameScreenState({ kind: 'prompt', prompt: TRUST }, { kind: 'prompt', prompt: { ...TRUST, question: 'Trust?' } })).toBe(true);
    expect(sameScreenState({ kind: 'prompt', prompt: TRUST }, { kind: 'prompt', prompt: { ...TRUST, fingerprint: 'trust:/other' } })).toBe(false);
  });

  it('matches logins by method, URL and device code, an absent one equal to an empty one', () => {
    expect(sameScreenState(login(), login({ instructions: 'Open the link' }))).toBe(true);
    expect(sameScreenState(login(), login({ loginUrl: 'https://a.example/y' }))).toBe(false);
    expect(sameScreenState(login(), login({ method: 'device_code' }))).toBe(false);
    expect(sameScreenState(login({ deviceCode: 'AB-12' }), login())).toBe(false);
    expect(sameScreenState(login({ loginUrl: undefined }), login({ loginUrl: '' }))).toBe(true);
    expect(sameScreenState(login(), { kind: 'ready' })).toBe(false);
  });
});

describe('LoginState', () => {
  const adapter = { loginTrust: undefined } as unknown as CliAdapter;
  const base: LoginInfo = { method: 'oauth_browser', loginUrl: 'https://a.example/x', instructions: 'Sign in' };

  it('knows the login being asked for, and news is a new URL, code, method or set of choices', () => {
    const logins = new LoginState(adapter, {}, []);
    expect(logins.isCurrent(base)).toBe(false);
    logins.record(base);
    expect(logins.isCurrent({ ...base })).toBe(true);
    expect(logins.isCurrent({ ...base, loginUrl: 'https://a.example/y' })).toBe(false);
    expect(logins.isCurrent({ ...base, deviceCode: 'AB-12' })).toBe(false);
    expect(logins.isCurrent({ ...base, options: [{ label: 'Subscription', keys: ['1'] }] })).toBe(false);
    logins.current = undefined;
    expect(logins.isCurrent(base)).toBe(false);
    expect(logins.last).toEqual(base);
  });

  it('never trusts a URL when the adapter names no provider hosts', () => {
    expect(new LoginState(adapter, {}, []).judge(base).trusted).toBe(false);
  });
});

describe('handle and messages', () => {
  const facts: HandleFacts = {
    id: 'a1',
    name: 'agent',
    type: 'shell',
    status: 'ready',
    pid: 42,
    role: undefined,
    capabilities: ['code'],
    workdir: '/w',
    command: '/bin/sh',
    args: ['-i'],
    cols: 80,
    rows: 24,
    version: undefined,
    createdAt: new Date(1_000),
    startedAt: new Date(2_000),
    lastActivityMs: 3_000,
    stoppedAt: undefined,
    exitCode: undefined,
    reason: undefined,
    error: undefined,
    automationPaused: false,
    question: { question: 'Go?', options: [], kind: 'unknown' },
    login: { method: 'unknown', instructions: 'Sign in' },
    lastLogin: undefined,
    stalledSince: 4_000,
  };

  it('shows a question only while waiting_input and a login only while authenticating', () => {
    const ready = buildHandle(facts);
    expect(ready).toMatchObject({ id: 'a1', runtimeSessionId: 'a1', pid: 42, createdAt: new Date(1_000).toISOString(), lastActivityAt: new Date(3_000).toISOString(), stalledSince: new Date(4_000).toISOString() });
    expect(ready.question).toBeUndefined();
    expect(ready.login).toBeUndefined();
    expect(buildHandle({ ...facts, status: 'waiting_input' }).question?.question).toBe('Go?');
    expect(buildHandle({ ...facts, status: 'authenticating' }).login?.instructions).toBe('Sign in');
    expect(buildHandle({ ...facts, lastActivityMs: 0 }).lastActivityAt).toBeUndefined();
    // The handle's arrays are copies: a caller changing them does not change the session.
    ready.args.push('x');
    expect(facts.args).toEqual(['-i']);
  });

  it('judges an exit: the reason always, a start-up error only when it died unasked before ready', () => {
    const base = { stopRequested: false, wasReady: false, exitCode: 1, signal: undefined, displayName: 'Gemini CLI', lastLogin: undefined, finalLines: ['Error: no key'] };
    expect(judgeExit(base)).toEqual({ reason: 'exit code 1', startupError: { message: 'Gemini CLI exited during start-up (exit code 1). Its last output: Error: no key', report: true } });
    expect(judgeExit({ ...base, signal: 9 }).reason).toBe('killed by signal 9');
    expect(judgeExit({ ...base, stopRequested: true })).toEqual({ reason: 'stopped' });
    expect(judgeExit({ ...base, wasReady: true })).toEqual({ reason: 'exit code 1' });
    expect(judgeExit({ ...base, exitCode: 0 })).toEqual({ reason: 'normal exit' });
    // After a login_required the handle says why, without a second alarm.
    expect(judgeExit({ ...base, lastLogin: { method: 'api_key', instructions: 'Set GEMINI_API_KEY' } }).startupError).toEqual({
      message: 'Gemini CLI exited during start-up (exit code 1) while it needed a login: Set GEMINI_API_KEY',
      report: false,
    });
  });

  it('quotes the last non-blank lines of a CLI that died, shortened from the front', () => {
    expect(lastWords(['a', '', ' b ', 'c', 'd', '  '])).toBe(' Its last output: b | c | d');
    expect(lastWords(['', ' '])).toBe('');
    expect(lastWords(['x'.repeat(500)])).toBe(` Its last output: …${'x'.repeat(400)}`);
  });

  it('numbers messages per agent and sets inReplyTo only when given', () => {
    const messages = new MessageFactory('a1');
    const first = messages.create('inbound', 'task', 'do it');
    const second = messages.create('outbound', 'response', 'done', 'do it');
    expect([first.id, second.id]).toEqual(['a1-msg-1', 'a1-msg-2']);
    expect('inReplyTo' in first).toBe(false);
    expect(second).toMatchObject({ agentId: 'a1', direction: 'outbound', type: 'response', content: 'done', inReplyTo: 'do it' });
  });
});
