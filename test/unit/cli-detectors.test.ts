import { describe, expect, it } from 'vitest';
import { createClaudeAdapter } from '../../src-main/runtime/adapters/claude';
import { createCodexAdapter } from '../../src-main/runtime/adapters/codex';
import { createAiderAdapter } from '../../src-main/runtime/adapters/aider';
import { createGeminiAdapter } from '../../src-main/runtime/adapters/gemini';
import type { CliAdapter, ScreenState } from '../../src-main/runtime/adapters/types';
import { loadCast, replayTo, type ReplayPoint } from '../support/cast';

/**
 * Detectors against screens recorded from the real CLIs (Claude Code 2.1.197, Codex CLI 0.169.0 in
 * --no-alt-screen mode, Gemini CLI 0.61.0). Each case replays a recording to a marker and asks the
 * adapter what it sees, with the context the session would give it at that moment.
 */

type Expect = (state: ScreenState, point: ReplayPoint, adapter: CliAdapter) => void;

interface Case {
  scenario: string;
  marker: string;
  /** Inside a turn (the session passes the message that started it). */
  inTurn?: boolean;
  keyFromRuntime?: boolean;
  expect: Expect;
}

const kind = (k: ScreenState['kind']): Expect => (state) => expect(state.kind).toBe(k);
const prompt = (promptKind: string, auto: boolean, labels?: string[]): Expect => (state) => {
  expect(state.kind).toBe('prompt');
  if (state.kind !== 'prompt') return;
  expect(state.prompt.kind).toBe(promptKind);
  expect(Boolean(state.prompt.autoAnswer)).toBe(auto);
  if (labels) expect(state.prompt.options.map((o) => o.label)).toEqual(labels);
};
const login = (method: string, check?: (l: Extract<ScreenState, { kind: 'login' }>['login']) => void): Expect => (state) => {
  expect(state.kind).toBe('login');
  if (state.kind === 'login') {
    expect(state.login.method).toBe(method);
    check?.(state.login);
  }
};
const ready = (reply?: (text: string) => void): Expect => (state, point, adapter) => {
  expect(state.kind).toBe('ready');
  if (reply) reply(adapter.extractReply({ message: point.message, lines: point.turnLines }));
};
/** The tool scenario's reply: the command's output, then the model's closing line. */
const toolReply = (text: string) => {
  expect(text).toContain('TOOL_OUTPUT_42');
  expect(text.split('\n').pop()).toBe('TOOL DONE');
};
const longReply = (text: string) => {
  const lines = text.split('\n').filter((l) => /^line \d{3}$/.test(l.trim()));
  expect(lines.map((l) => l.trim())).toEqual(Array.from({ length: 400 }, (_, i) => `line ${String(i + 1).padStart(3, '0')}`));
};

/** Cases every recorded Claude Code version shares: first start without a key of ours, ready, text turns. */
function claudeStartAndTextTurns(): Case[] {
  return [
  { scenario: 'first-start', marker: 'api_key_prompt', keyFromRuntime: false, expect: prompt('api_key', false) },
  { scenario: 'first-start', marker: 'ready', expect: kind('ready') },
  { scenario: 'hello', marker: 'ready', expect: kind('ready') },
  { scenario: 'hello', marker: 'reply_done', inTurn: true, expect: ready((r) => expect(r).toBe('PONG')) },
  { scenario: 'slow', marker: 'busy', inTurn: true, expect: kind('busy') },
  { scenario: 'slow', marker: 'reply_done', inTurn: true, expect: ready((r) => expect(r).toBe('SLOW PONG')) },
  ];
}

/** Cases every recorded Claude Code version shares: the end of a tool turn, a long reply, the logged-out screens. */
function claudeToolEndLongAndLogin(): Case[] {
  return [
  { scenario: 'tool', marker: 'tool_result', inTurn: true, expect: kind('busy') },
  {
    scenario: 'tool',
    marker: 'reply_done',
    inTurn: true,
    // Claude's auto-mode notice paragraph is its own chrome, not the model's reply.
    expect: ready((text) => {
      toolReply(text);
      expect(text).not.toMatch(/Auto mode can.t check actions/);
      expect(text.split('\n')[0]).toBe("Bash(printf 'TOOL_OUTPUT_42\\n' | tee out.txt)");
    }),
  },
  { scenario: 'long', marker: 'long_done', inTurn: true, expect: ready(longReply) },
  { scenario: 'not-logged-in', marker: 'login', expect: login('cli_auth') },
  {
    scenario: 'not-logged-in',
    marker: 'auth_chooser',
    expect: login('unknown', (l) => expect(l.options?.map((o) => o.label.split(' · ')[0])).toEqual(['Claude account with subscription', 'Anthropic Console account', '3rd-party platform'])),
  },
  ];
}

const CASES: Record<string, { adapter: CliAdapter; cases: Case[] }> = {
  claude: {
    adapter: createClaudeAdapter(),
    cases: [
      { scenario: 'first-start', marker: 'trust_prompt', expect: prompt('trust_folder', true, ['Yes, I trust this folder', 'No, exit']) },
      { scenario: 'first-start', marker: 'api_key_prompt', keyFromRuntime: true, expect: prompt('api_key', true, ['Yes', 'No (recommended)']) },
      ...claudeStartAndTextTurns(),
      {
        scenario: 'tool',
        marker: 'question',
        inTurn: true,
        expect: (state) => {
          prompt('permission', false, ['Yes', 'Yes, and don’t ask again for: tee out.txt', 'No'])(state, {} as ReplayPoint, {} as CliAdapter);
          if (state.kind === 'prompt') {
            expect(state.prompt.question).toContain('Do you want to proceed?');
            expect(state.prompt.question).toContain("printf 'TOOL_OUTPUT_42\\n' | tee out.txt");
            expect(state.prompt.options[0].keys).toEqual(['enter']);
          }
        },
      },
      ...claudeToolEndLongAndLogin(),
      {
        scenario: 'not-logged-in',
        marker: 'login_url',
        expect: login('oauth_browser', (l) => {
          expect(l.loginUrl).toMatch(/^https:\/\/claude\.com\/cai\/oauth\/authorize\?code=true&client_id=/);
          expect(l.loginUrl).toMatch(/&state=[A-Za-z0-9_-]+$/);
          expect(l.loginUrl).not.toMatch(/\s/);
        }),
      },
    ],
  },
  // Claude Code 2.1.332: unnumbered menus with "No" highlighted first, auto mode by default (and its
  // "can't check actions" notice behind a model gateway), `· done <time>` on the turn summary and an
  // effort badge above the input box.
  'claude-2.1.332': {
    adapter: createClaudeAdapter(),
    cases: [
      {
        scenario: 'first-start',
        marker: 'trust_prompt',
        expect: (state) => {
          prompt('trust_folder', true, ['No, exit', 'Yes, I trust this folder'])(state, {} as ReplayPoint, {} as CliAdapter);
          if (state.kind === 'prompt') expect(state.prompt.autoAnswer?.keys).toEqual(['down', 'enter']);
        },
      },
      {
        scenario: 'first-start',
        marker: 'api_key_prompt',
        keyFromRuntime: true,
        expect: (state) => {
          prompt('api_key', true, ['Yes', 'No (recommended)'])(state, {} as ReplayPoint, {} as CliAdapter);
          if (state.kind === 'prompt') expect(state.prompt.autoAnswer?.keys).toEqual(['up', 'enter']);
        },
      },
      ...claudeStartAndTextTurns(),
      {
        scenario: 'tool',
        marker: 'auto_mode_dialog',
        inTurn: true,
        expect: (state) => {
          prompt('permission', false, ['Stay in auto mode', 'Leave for accept edits mode and stop', 'Cancel'])(state, {} as ReplayPoint, {} as CliAdapter);
          if (state.kind === 'prompt') {
            expect(state.prompt.question).toMatch(/^Auto mode can't check actions in this session/);
            expect(state.prompt.options.map((o) => o.keys)).toEqual([['enter'], ['shift+tab'], ['escape']]);
          }
        },
      },
      {
        scenario: 'tool',
        marker: 'question',
        inTurn: true,
        expect: (state) => {
          prompt('permission', false, ['No', 'Yes'])(state, {} as ReplayPoint, {} as CliAdapter);
          if (state.kind === 'prompt') {
            expect(state.prompt.question).toContain('Do you want to proceed?');
            expect(state.prompt.question).toContain("printf 'TOOL_OUTPUT_42\\n' | tee out.txt");
            expect(state.prompt.question).not.toMatch(/╌/);
            expect(state.prompt.options[1].keys).toEqual(['down', 'enter']);
          }
        },
      },
      ...claudeToolEndLongAndLogin(),
      {
        scenario: 'not-logged-in',
        marker: 'login_url',
        // 2.1.332 prints a shortened claude.ai link under a `▔▔▔▔` rule.
        expect: login('oauth_browser', (l) => expect(l.loginUrl).toMatch(/^https:\/\/claude\.ai\/oauth\/authorize\?\S+$/)),
      },
    ],
  },
  codex: {
    adapter: createCodexAdapter(),
    cases: [
      { scenario: 'first-start', marker: 'trust_prompt', expect: prompt('trust_folder', true, ['Trust and continue', 'Back to Agent Command Center']) },
      { scenario: 'first-start', marker: 'ready', expect: kind('ready') },
      { scenario: 'hello', marker: 'reply_done', inTurn: true, expect: ready((r) => expect(r).toBe('PONG')) },
      { scenario: 'slow', marker: 'busy', inTurn: true, expect: kind('busy') },
      { scenario: 'slow', marker: 'reply_done', inTurn: true, expect: ready((r) => expect(r).toBe('SLOW PONG')) },
      {
        scenario: 'tool',
        marker: 'question',
        inTurn: true,
        expect: (state) => {
          prompt('permission', false)(state, {} as ReplayPoint, {} as CliAdapter);
          if (state.kind === 'prompt') {
            expect(state.prompt.options.map((o) => o.label)[0]).toBe('Yes, proceed (y)');
            expect(state.prompt.question).toContain("$ printf 'TOOL_OUTPUT_42\\n' | tee out.txt");
          }
        },
      },
      { scenario: 'tool', marker: 'tool_result', inTurn: true, expect: kind('busy') },
      { scenario: 'tool', marker: 'reply_done', inTurn: true, expect: ready(toolReply) },
      { scenario: 'long', marker: 'long_done', inTurn: true, expect: ready(longReply) },
      {
        scenario: 'no-credentials',
        marker: 'auth_chooser',
        expect: login('unknown', (l) => expect(l.options?.map((o) => [o.label, o.keys])).toEqual([
          ['Sign in with ChatGPT', ['1']],
          ['Sign in with Device Code', ['2']],
          ['Sign in another way', ['3']],
        ])),
      },
      {
        scenario: 'no-credentials',
        marker: 'login_url',
        expect: login('oauth_browser', (l) => {
          expect(l.loginUrl).toMatch(/^https:\/\/auth\.openai\.com\/oauth\/authorize\?response_type=code&client_id=/);
          expect(l.loginUrl).toMatch(/originator=codex-tui$/);
        }),
      },
      {
        scenario: 'device-auth',
        marker: 'device_code',
        expect: login('device_code', (l) => {
          expect(l.deviceCode).toBe('ABCD-EFGH');
          expect(l.loginUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/codex\/device$/);
        }),
      },
    ],
  },
  gemini: {
    adapter: createGeminiAdapter(),
    cases: [
      { scenario: 'first-start', marker: 'trust_prompt', expect: prompt('trust_folder', true) },
      { scenario: 'first-start', marker: 'ready', expect: kind('ready') },
      { scenario: 'hello', marker: 'reply_done', inTurn: true, expect: ready((r) => expect(r).toBe('PONG')) },
      { scenario: 'slow', marker: 'busy', inTurn: true, expect: kind('busy') },
      { scenario: 'slow', marker: 'reply_done', inTurn: true, expect: ready((r) => expect(r).toBe('SLOW PONG')) },
      {
        scenario: 'tool',
        marker: 'question',
        inTurn: true,
        expect: (state) => {
          prompt('permission', false, ['Allow once', 'Allow for this session', 'No, suggest changes (esc)'])(state, {} as ReplayPoint, {} as CliAdapter);
          if (state.kind === 'prompt') expect(state.prompt.question).toContain('Allow execution of [Shell]?');
        },
      },
      { scenario: 'tool', marker: 'tool_result', inTurn: true, expect: kind('busy') },
      { scenario: 'tool', marker: 'reply_done', inTurn: true, expect: ready(toolReply) },
      { scenario: 'long', marker: 'long_done', inTurn: true, expect: ready(longReply) },
      {
        scenario: 'no-credentials',
        marker: 'auth_chooser',
        keyFromRuntime: false,
        expect: login('unknown', (l) => expect(l.options?.map((o) => o.label)).toEqual(['Sign in with Google', 'Use Gemini API Key', 'Vertex AI'])),
      },
      {
        scenario: 'no-credentials',
        marker: 'login_url',
        expect: login('oauth_browser', (l) => {
          expect(l.loginUrl).toMatch(/^https:\/\/accounts\.google\.com\/o\/oauth2\/v2\/auth\?redirect_uri=/);
          expect(l.loginUrl).toMatch(/\.apps\.googleusercontent\.com$/);
        }),
      },
    ],
  },
};

// Codex 0.171.0 draws the same screens; the same rules hold (device login was not re-recorded).
CASES['codex-0.171.0'] = { adapter: createCodexAdapter(), cases: CASES.codex.cases.filter((c) => c.scenario !== 'device-auth') };

for (const [cli, { adapter, cases }] of Object.entries(CASES)) {
  describe(`${adapter.displayName} detector (recorded screens: ${cli})`, () => {
    for (const c of cases) {
      const label = `${c.scenario} @ ${c.marker}${c.inTurn ? ' (in turn)' : ''}${c.keyFromRuntime === false ? ' (key not ours)' : ''}`;
      it(label, async () => {
        const point = await replayTo(loadCast(cli, c.scenario), c.marker);
        const state = adapter.classify(point.snapshot, {
          workdir: point.workdir ?? '/nowhere',
          keyFromRuntime: c.keyFromRuntime ?? true,
          turn: c.inTurn ? { message: point.message ?? '', lines: () => point.turnLines } : undefined,
          quietMs: 1_000,
          startup: !c.inTurn,
        });
        c.expect(state, point, adapter);
      });
    }
  });
}

describe('Gemini paints its input area before its first-start dialog', () => {
  it('is not ready on that first frame, but is on the real idle screen', async () => {
    const adapter = createGeminiAdapter();
    const cast = loadCast('gemini', 'first-start');
    const early = { ...cast, events: cast.events.filter((e) => e[0] <= 2.2).concat([[2.2, 'm', 'early']]) };
    const point = await replayTo(early, 'early');
    expect(point.snapshot.text).toMatch(/Type your message/);
    expect(adapter.classify(point.snapshot, { workdir: '/x', keyFromRuntime: true, quietMs: 0, startup: true }).kind).toBe('starting');
    const later = await replayTo(cast, 'ready');
    expect(adapter.classify(later.snapshot, { workdir: '/x', keyFromRuntime: true, quietMs: 0, startup: true }).kind).toBe('ready');
  });
});

describe('trust is only given to the spawn’s own folder', () => {
  for (const [cli, adapter] of [['claude', createClaudeAdapter()], ['codex', createCodexAdapter()], ['gemini', createGeminiAdapter()]] as const) {
    it(cli, async () => {
      const point = await replayTo(loadCast(cli, 'first-start'), 'trust_prompt');
      const state = adapter.classify(point.snapshot, { workdir: '/some/other/folder', keyFromRuntime: true, quietMs: 0 });
      expect(state.kind).toBe('prompt');
      if (state.kind === 'prompt') expect(state.prompt.autoAnswer).toBeUndefined();
    });
  }
});

describe('Claude exits on a fresh, offline HOME', () => {
  it('reports a login from the last screen', async () => {
    const adapter = createClaudeAdapter();
    const point = await replayTo(loadCast('claude', 'no-credentials'), 'error');
    expect(adapter.loginOnExit?.(point.snapshot)).toMatchObject({ method: 'cli_auth' });
  });
});

/**
 * Aider cannot be installed here; these screens reproduce its documented output line for line
 * (scripts/make-aider-fixtures.ts says where each line comes from).
 */
describe('Aider detector (screens reproduced from documented output)', () => {
  const adapter = createAiderAdapter();
  const at = async (scenario: string, marker: string, inTurn = false) => {
    const point = await replayTo(loadCast('aider', scenario), marker);
    const state = adapter.classify(point.snapshot, {
      workdir: '/home/dev/work',
      keyFromRuntime: true,
      quietMs: 500,
      turn: inTurn ? { message: point.message ?? '', lines: () => point.turnLines } : undefined,
    });
    return { state, point };
  };

  it('declines the analytics opt-in under the telemetry switch', async () => {
    const { state } = await at('first-start', 'telemetry_prompt');
    expect(state).toMatchObject({ kind: 'prompt', prompt: { kind: 'unknown', autoAnswer: { rule: 'aider.decline-analytics', category: 'telemetry', keys: ['n', 'enter'] } } });
  });

  it('asks a person about creating a git repo', async () => {
    const { state } = await at('first-start', 'question');
    expect(state.kind).toBe('prompt');
    if (state.kind === 'prompt') {
      expect(state.prompt.autoAnswer).toBeUndefined();
      expect(state.prompt.question).toBe("No git repo found, create one to track aider's changes (recommended)?");
      expect(state.prompt.options.map((o) => o.label)).toEqual(['Yes', 'No']);
    }
  });

  it('is ready at its prompt, and extracts the reply without the token/cost line', async () => {
    expect((await at('first-start', 'ready')).state.kind).toBe('ready');
    const { state, point } = await at('hello', 'reply_done', true);
    expect(state.kind).toBe('ready');
    expect(adapter.extractReply({ message: point.message, lines: point.turnLines })).toBe('PONG');
  });

  it('reports a file-edit question with its three answers', async () => {
    const { state } = await at('add-file', 'question', true);
    expect(state).toMatchObject({ kind: 'prompt', prompt: { kind: 'permission', question: 'Add file to the chat?' } });
    if (state.kind === 'prompt') expect(state.prompt.options.map((o) => [o.label, o.keys])).toEqual([['Yes', ['y', 'enter']], ['No', ['n', 'enter']], ["Don't ask again", ['d', 'enter']]]);
  });

  it('reports the OpenRouter login offer, then its URL joined across the wrap', async () => {
    const offer = (await at('no-credentials', 'login')).state;
    expect(offer).toMatchObject({ kind: 'login', login: { method: 'oauth_browser' } });
    if (offer.kind === 'login') expect(offer.login.options?.map((o) => o.label)).toEqual(['Yes', 'No']);
    const url = (await at('no-credentials', 'login_url')).state;
    expect(url).toMatchObject({ kind: 'login', login: { method: 'oauth_browser', loginUrl: 'https://openrouter.ai/auth?callback_url=http://localhost:8484/callback/aider&code_challenge=B3kX9vQ2mZr7LtW5yN1cH8pJ4sD6fG0aE2uI9oK7qTw&code_challenge_method=S256' } });
  });
});

/**
 * Login is sticky: a logged-out Claude (footer "Not logged in · Run /login") whose person types `/`
 * gets the slash-command menu drawn over the footer. That screen looks ready; it is not a login.
 */
describe('Claude: a menu over the login footer is not a sign of login', () => {
  /** The not-logged-in recording just before Enter is pressed on the typed `/login` (menu open). */
  async function slashMenuOpen(dir: string): Promise<ReplayPoint> {
    const cast = loadCast(dir, 'not-logged-in');
    const typed = cast.events.findIndex((e) => e[1] === 'i' && e[2] === '/login');
    const enter = cast.events.findIndex((e, i) => i > typed && e[1] === 'i' && e[2] === '\r');
    expect(typed).toBeGreaterThan(0);
    expect(enter).toBeGreaterThan(typed);
    return replayTo({ ...cast, events: [...cast.events.slice(0, enter), [cast.events[enter][0], 'm', 'menu-open']] }, 'menu-open');
  }

  for (const dir of ['claude', 'claude-2.1.332']) {
    it(`${dir}: stays out of ready while awaiting login, and the idle screen of a signed-in Claude counts`, async () => {
      const adapter = createClaudeAdapter();
      const context = { workdir: '/x', keyFromRuntime: false, quietMs: 1_000 };
      const login = await replayTo(loadCast(dir, 'not-logged-in'), 'login');
      expect(adapter.classify(login.snapshot, context).kind).toBe('login');

      const menu = await slashMenuOpen(dir);
      expect(menu.snapshot.text).toMatch(/Sign in with your Anthropic account/);
      expect(menu.snapshot.text).not.toMatch(/Not logged in/);
      // Without the latch this screen reads as ready (the bug)…
      expect(adapter.classify(menu.snapshot, context).kind).toBe('ready');
      // …with it, the agent stays where it was.
      expect(adapter.classify(menu.snapshot, { ...context, awaitingLogin: true }).kind).toBe('starting');

      const signedIn = await replayTo(loadCast(dir, 'hello'), 'ready');
      expect(adapter.classify(signedIn.snapshot, { ...context, awaitingLogin: true }).kind).toBe('ready');
    });
  }
});
