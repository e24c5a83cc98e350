import type { LoginInfo } from '../../../src-shared/agent';
import { extractDeviceCode, extractUrls, pickLoginUrl } from '../detect/login';
import { menuOptions, parseNumberedMenu } from '../detect/options';
import type { ScreenSnapshot } from '../screen/screen-model';
import { dedent, keysFor, lastIndexMatching, menuPrompt, tidy, unbox } from './tui';
import type { ClassifyContext, CliAdapter, DetectedPrompt, ReplyCapture, ScreenState } from './types';

/**
 * OpenAI Codex CLI (`codex`), ratatui TUI. Strings read off Codex CLI 0.169.0.
 *
 *   ready     composer `› Ask Codex to do anything` (placeholder) + footer `? for shortcuts`.
 *             Both also show while busy, so: no `esc to interrupt`, and after a message, a
 *             `Worked for Ns` line below the echoed `› <message>`.
 *   busy      `• Working (0s • esc to interrupt)` — only until the first token; while text streams
 *             there is no marker at all, which is why the `Worked for` rule exists.
 *   question  `Would you like to run the following command?` … `› 1. Yes, proceed (y)` /
 *             `2. Yes, and don't ask again …` / `3. No, and tell Codex what to do differently (esc)`
 *   trust     (only inside a git repo) `Trust this folder?` / `› 1. Trust and continue`
 *   login     `Sign in with ChatGPT` / `Sign in with Device Code` chooser; `Finish signing in via your
 *             browser` + auth.openai.com URL; `Enter this one-time code` + code
 */

const BUSY = /esc to interrupt/i;
const IDLE_FOOTER = /\?\s*for\s+shortcuts|context left|tab to queue message/i;
const COMPOSER = /^\s*›\s?(.*)$/;
const PLACEHOLDER = /^(?:ask codex to do anything|explain this codebase|summarize recent commits|find and fix a bug|write tests for|implement \{feature\}|improve documentation|run \/review)/i;
const WORKED_FOR = /worked for\s+\d+(?:h\s*\d+m\s*\d+s|m\s*\d+s|s)\b/i;

function composer(screen: ScreenSnapshot): { row: number; text: string } | undefined {
  const lines = screen.lines;
  for (let i = lines.length - 1; i >= 0; i--) {
    const match = COMPOSER.exec(unbox(lines[i]));
    if (!match) continue;
    // A numbered menu entry (`› 1. Yes, proceed`) is not the composer.
    if (/^\d+\.\s/.test(match[1])) return undefined;
    const text = match[1].trim();
    return { row: i, text: PLACEHOLDER.test(text) ? '' : text };
  }
  return undefined;
}

function detectLogin(screen: ScreenSnapshot): LoginInfo | undefined {
  const text = screen.text;
  const lines = screen.lines;
  if (/enter this one-time code|open this link in your browser|preparing device code login|device code/i.test(text) && !/sign in with chatgpt/i.test(text)) {
    const deviceCode = extractDeviceCode(lines);
    const loginUrl = pickLoginUrl(extractUrls(screen));
    if (deviceCode || loginUrl) {
      return {
        method: 'device_code',
        loginUrl,
        deviceCode,
        instructions: `Open ${loginUrl ?? 'the device login page'} and enter the one-time code ${deviceCode ?? '(shown in the terminal)'}.`,
      };
    }
  }
  if (/finish signing in via your browser|sign in with chatgpt.*browser|open the following url/i.test(text)) {
    const loginUrl = pickLoginUrl(extractUrls(screen));
    return { method: 'oauth_browser', loginUrl, instructions: 'Finish signing in to Codex in the browser.' };
  }
  if (/sign in with chatgpt|sign in with device code|provide your own api key|sign in another way/i.test(text)) {
    const at = lastIndexMatching(lines, /sign in with chatgpt/i);
    const menu = parseNumberedMenu(lines, Math.max(0, at - 2));
    return {
      method: 'unknown',
      instructions: 'Codex needs a sign-in. Choose "Sign in with ChatGPT" (browser) or "Sign in with Device Code", or give the agent an OpenAI API key.',
      options: menu ? menuOptions(menu, 'digit') : undefined,
    };
  }
  if (/api key not found|invalid api key|incorrect api key|401 unauthorized|missing.*openai_api_key/i.test(text)) {
    return { method: 'api_key', instructions: 'Codex has no valid OpenAI API key. Give the agent one.' };
  }
  return undefined;
}

function detectPrompt(screen: ScreenSnapshot, context: ClassifyContext): DetectedPrompt | undefined {
  const lines = screen.lines;
  const trust = menuPrompt(lines, { kind: 'trust_folder', questionPattern: /trust this folder\?|do you trust the contents of this directory/i, selection: 'digit' });
  if (trust) {
    // The trust screen is about Codex's working directory, which is the spawn's workdir.
    const keys = keysFor(trust, /trust|yes/i);
    if (keys) trust.autoAnswer = { rule: 'codex.trust-folder', category: 'trustFolder', keys };
    return trust;
  }
  const update = menuPrompt(lines, { kind: 'update', questionPattern: /update available|new version of codex/i, selection: 'arrows' });
  if (update) {
    const keys = keysFor(update, /skip/i);
    if (keys) update.autoAnswer = { rule: 'codex.skip-update', category: 'update', keys };
    return update;
  }
  const approval = menuPrompt(lines, {
    kind: 'permission',
    questionPattern: /would you like to (?:run the following command|make the following edits)|do you want to approve|allow codex to/i,
    selection: 'arrows',
  });
  if (approval) {
    const at = lastIndexMatching(lines, /would you like to|do you want to approve|allow codex to/i);
    const command = lines.slice(at + 1, at + 8).map((l) => unbox(l).trim()).find((l) => l.startsWith('$ '));
    if (command) approval.question = `${approval.question} ${command}`;
    return approval;
  }
  void context;
  return undefined;
}

function classify(screen: ScreenSnapshot, context: ClassifyContext): ScreenState {
  const login = detectLogin(screen);
  if (login) return { kind: 'login', login };
  const prompt = detectPrompt(screen, context);
  if (prompt) return { kind: 'prompt', prompt };
  const box = composer(screen);
  const text = screen.text;
  if (BUSY.test(text)) return { kind: 'busy' };
  if (!box || !IDLE_FOOTER.test(screen.lines.slice(box.row).join('\n'))) return text.trim() === '' ? { kind: 'starting' } : { kind: 'busy' };
  if (context.turn) {
    const history = screen.lines.slice(0, box.row);
    const echo = findEcho(history, context.turn.message);
    // No marker shows while Codex streams; only `Worked for` below our message ends the turn.
    if (echo < 0 || !history.slice(echo + 1).some((l) => WORKED_FOR.test(l))) return { kind: 'busy' };
  }
  return { kind: 'ready' };
}

function findEcho(lines: readonly string[], message: string): number {
  const probe = message.split('\n')[0].trim().slice(0, 40);
  for (let i = lines.length - 1; i >= 0; i--) {
    const match = COMPOSER.exec(unbox(lines[i]));
    if (match && !/^\d+\.\s/.test(match[1]) && (probe === '' || match[1].includes(probe))) return i;
  }
  return -1;
}

/** The reply: lines after the echoed `› message` up to `Worked for`, without the `• ` markers. */
function extractReply(capture: ReplyCapture): string {
  const lines = capture.lines;
  const echo = findEcho(lines, capture.message ?? '');
  let body = lines.slice(echo + 1);
  const end = body.findIndex((l) => WORKED_FOR.test(l));
  if (end >= 0) body = body.slice(0, end);
  body = body.filter((l) => !BUSY.test(l) && !/^\s*[─━]{3,}/.test(l));
  const cleaned = body.map((l) => l.replace(/^(\s*)•\s(?!(?:Ran|Running|Explored|Edited|Added|Deleted)\b)/, '$1  '));
  return tidy(dedent(cleaned));
}

export function createCodexAdapter(): CliAdapter {
  return {
    type: 'codex',
    displayName: 'Codex CLI',
    command: 'codex',
    installHint: 'npm install -g @openai/codex',
    versionArgs: ['--version'],
    settleMs: 150,
    // Codex treats an Enter within ~200 ms of typed text as part of a paste (cli-notes.md).
    enterDelayMs: 350,
    defaultArgs: () => [],
    env: (context) => {
      const env: Record<string, string> = {};
      if (context.credentials.openaiKey) env.OPENAI_API_KEY = context.credentials.openaiKey;
      return env;
    },
    classify,
    inputText: (screen) => composer(screen)?.text,
    extractReply,
  };
}
