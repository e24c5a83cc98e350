import type { LoginInfo } from '../../../src-shared/agent';
import { extractUrls, pickLoginUrl } from '../detect/login';
import type { ScreenSnapshot } from '../screen/screen-model';
import { dedent, indexMatching, keysFor, lastIndexMatching, menuPrompt, RULE, tidy, unbox } from './tui';
import type { ClassifyContext, CliAdapter, DetectedPrompt, ReplyCapture, ScreenState } from './types';

/**
 * Claude Code (`claude`), interactive TUI. Detection strings were read off Claude Code 2.1.197;
 * each one is matched loosely (case, spacing) because they drift between releases, and the
 * fixtures in test/fixtures/screens/claude pin the version they were recorded from.
 *
 *   ready      input row `❯ ` between two `────` rules, footer `? for shortcuts` (only shown when
 *              idle with an empty box), no `esc to interrupt`
 *   busy       footer `esc to interrupt`; spinner `✽ Transmuting… (2s · ↓ 4 tokens)`
 *   done       `● <reply>` … `✻ Brewed for 5s`, footer back to `? for shortcuts`
 *   question   `Do you want to proceed?` with `❯ 1. Yes` / `2. Yes, and don't ask again…` / `3. No`
 *   trust      `Quick safety check: Is this a project you created or one you trust?`
 *   API key    `Detected a custom API key in your environment` / `Do you want to use this API key?`
 *              with `❯ 2. No (recommended)` preselected
 *   login      `Not logged in · Please run /login`, `Invalid API key`, the `/login` method chooser
 *              and its `Browser didn't open? Use the url below to sign in` screen
 */

const BUSY = /esc to interrupt|esc to cancel/i;
const IDLE_FOOTER = /\?\s*for\s+shortcuts/i;
const INPUT_ROW = /^\s*[❯>]\s?(.*)$/;
const SPINNER_LINE = /^\s*[·✢✳✶✻✽*⏺]\s+[A-Z][\w'-]*(?:…|\.\.\.)/;
const TURN_DONE = /^\s*[✻✽✶✳✢·*]\s+[A-Z][A-Za-z'-]+ for \d+(?:h\s*\d+m\s*\d+s|m\s*\d+s|s)\b/;
const USER_ECHO = /^\s*[>❯]\s+(.*)$/;

const LOGIN_PATTERNS: { pattern: RegExp; method: LoginInfo['method']; instructions: string }[] = [
  {
    pattern: /not logged in|please run \/login|run \/login to (?:log|sign) in/i,
    method: 'cli_auth',
    instructions: 'Claude Code is not logged in. Run /login in its terminal, or give the agent an Anthropic API key.',
  },
  {
    pattern: /invalid api key|api key is invalid|authentication_error|credit balance is too low/i,
    method: 'api_key',
    instructions: 'Claude Code rejected its API key. Give the agent a valid Anthropic API key.',
  },
  {
    pattern: /select login method|browser didn.t open\? use the url below|paste code here if prompted|opening browser to sign in/i,
    method: 'oauth_browser',
    instructions: 'Sign in to Claude in the browser, then paste the code back into the terminal if it asks.',
  },
];

function inputBox(screen: ScreenSnapshot): { row: number; text: string } | undefined {
  const lines = screen.lines;
  for (let i = lines.length - 1; i > 0; i--) {
    const match = INPUT_ROW.exec(lines[i]);
    if (!match) continue;
    // The input row sits right under a rule (the box's top border).
    if (!RULE.test(lines[i - 1])) continue;
    return { row: i, text: match[1].trim() };
  }
  return undefined;
}

function detectLogin(screen: ScreenSnapshot): LoginInfo | undefined {
  for (const entry of LOGIN_PATTERNS) {
    if (!entry.pattern.test(screen.text)) continue;
    const loginUrl = pickLoginUrl(extractUrls(screen));
    return { method: loginUrl ? 'oauth_browser' : entry.method, loginUrl, instructions: entry.instructions };
  }
  return undefined;
}

function detectPrompt(screen: ScreenSnapshot, context: ClassifyContext): DetectedPrompt | undefined {
  const lines = screen.lines;
  const trust = menuPrompt(lines, {
    kind: 'trust_folder',
    questionPattern: /is this a project you created or one you trust|do you trust the files in this folder|trust this folder/i,
    selection: 'arrows',
  });
  if (trust) {
    // Claude asks about its own working directory, which is the spawn's workdir.
    const keys = keysFor(trust, /yes|trust/i);
    if (keys) trust.autoAnswer = { rule: 'claude.trust-folder', category: 'trustFolder', keys };
    return trust;
  }
  const apiKey = menuPrompt(lines, { kind: 'api_key', questionPattern: /do you want to use this api key\?/i, selection: 'arrows' });
  if (apiKey) {
    const keys = keysFor(apiKey, /^yes/i);
    if (keys && context.keyFromRuntime) apiKey.autoAnswer = { rule: 'claude.use-api-key', category: 'apiKey', keys };
    return apiKey;
  }
  const survey = /how is claude doing this session\?/i.test(screen.text);
  if (survey) {
    return {
      kind: 'survey',
      question: 'How is Claude doing this session? (optional)',
      options: [
        { label: 'Bad', keys: ['1'] },
        { label: 'Fine', keys: ['2'] },
        { label: 'Good', keys: ['3'] },
        { label: 'Dismiss', keys: ['0'] },
      ],
      autoAnswer: { rule: 'claude.dismiss-survey', category: 'survey', keys: ['0'] },
      fingerprint: 'survey',
    };
  }
  const permission = menuPrompt(lines, {
    kind: 'permission',
    questionPattern: /do you want to (?:proceed|make this edit|create|allow|run)|wants? (?:your )?permission|requires approval/i,
    selection: 'arrows',
  });
  if (permission) {
    // Name what is being approved: the tool header and command shown above the question.
    const at = lastIndexMatching(lines, /do you want to|permission|requires approval/i);
    const context = lines
      .slice(Math.max(0, at - 6), at)
      .map((l) => unbox(l).trim())
      .filter((l) => l !== '' && !RULE.test(l) && !/requires approval/i.test(l));
    if (context.length > 0) permission.question = `${context.join(' — ')}: ${permission.question}`;
    return permission;
  }
  return undefined;
}

function classify(screen: ScreenSnapshot, context: ClassifyContext): ScreenState {
  const login = detectLogin(screen);
  if (login) return { kind: 'login', login };
  const prompt = detectPrompt(screen, context);
  if (prompt) return { kind: 'prompt', prompt };
  const lines = screen.lines;
  const box = inputBox(screen);
  const footer = box ? lines.slice(box.row + 1).join('\n') : '';
  if (BUSY.test(footer) || lines.some((l) => SPINNER_LINE.test(l))) return { kind: 'busy' };
  if (!box || !IDLE_FOOTER.test(footer)) return screen.text.trim() === '' ? { kind: 'starting' } : { kind: 'busy' };
  if (context.turn && !turnFinished(lines.slice(0, box.row), context.turn.message)) return { kind: 'busy' };
  return { kind: 'ready' };
}

/** After a message is submitted, the idle box alone is not enough: the turn must show a result. */
function turnFinished(history: readonly string[], message: string): boolean {
  const echo = findEcho(history, message);
  if (echo < 0) return false;
  return history.slice(echo + 1).some((l) => /^\s*●/.test(l) || TURN_DONE.test(l) || /interrupted/i.test(l));
}

function findEcho(lines: readonly string[], message: string): number {
  const probe = message.split('\n')[0].trim().slice(0, 40);
  for (let i = lines.length - 1; i >= 0; i--) {
    const match = USER_ECHO.exec(lines[i]);
    if (match && (probe === '' || match[1].includes(probe) || /\[Pasted text/.test(match[1]))) return i;
  }
  return -1;
}

/**
 * The reply: everything after the echoed prompt up to the input box, minus the spinner and the
 * `✻ Brewed for 5s` line. The reply's own `● ` marker goes; tool calls (`● Bash(…)`) stay, since
 * they are part of what the agent did.
 */
function extractReply(capture: ReplyCapture): string {
  let lines = capture.lines;
  const boxTop = lastIndexMatching(lines, RULE);
  if (boxTop > 0 && RULE.test(lines[boxTop]) && lastIndexMatching(lines, RULE, boxTop) >= 0) {
    // Cut at the input box: the rule above the `❯` row.
    const inputRow = indexMatching(lines, INPUT_ROW, lastIndexMatching(lines, RULE, boxTop) + 1);
    const top = inputRow > 0 ? inputRow - 1 : lastIndexMatching(lines, RULE, boxTop);
    if (top > 0) lines = lines.slice(0, top);
  }
  const echo = findEcho(lines, capture.message ?? '');
  const start = echo >= 0 ? echo + 1 : 0;
  // The echoed prompt may span several lines (indented continuation).
  let from = start;
  while (from < lines.length && /^\s{2,}\S/.test(lines[from]) && !/^\s*●/.test(lines[from])) from++;
  const body = lines
    .slice(from)
    .filter((l) => !TURN_DONE.test(l) && !SPINNER_LINE.test(l) && !IDLE_FOOTER.test(l) && !BUSY.test(l));
  const cleaned = body.map((l, i) => (i === indexMatching(body, /^\s*●\s/) && !/^\s*●\s+\w+\(/.test(l) ? l.replace(/^\s*●\s/, '  ') : l));
  return tidy(dedent(cleaned));
}

export function createClaudeAdapter(): CliAdapter {
  return {
    type: 'claude-code',
    displayName: 'Claude Code',
    command: 'claude',
    installHint: 'npm install -g @anthropic-ai/claude-code',
    versionArgs: ['--version'],
    // Claude redraws its whole prompt area on each frame (~60 ms apart); 150 ms spans two frames.
    settleMs: 150,
    enterDelayMs: 150,
    defaultArgs: () => [],
    env: (context) => {
      const env: Record<string, string> = {};
      if (context.credentials.anthropicKey) env.ANTHROPIC_API_KEY = context.credentials.anthropicKey;
      return env;
    },
    classify,
    inputText: (screen) => inputBox(screen)?.text,
    extractReply,
    loginOnExit: (screen) => {
      const login = detectLogin(screen);
      if (login) return login;
      if (/unable to connect to anthropic services|failed to connect to api\.anthropic\.com/i.test(screen.text)) {
        return {
          method: 'cli_auth',
          instructions: 'Claude Code could not reach Anthropic to sign in. Check the network, or give the agent an Anthropic API key.',
        };
      }
      return undefined;
    },
  };
}
