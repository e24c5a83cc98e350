import type { LoginInfo } from '../../../src-shared/agent';
import { extractDeviceCode, extractUrls, pickLoginUrl } from '../detect/login';
import { menuOptions, parseNumberedMenu } from '../detect/options';
import type { ScreenSnapshot } from '../screen/screen-model';
import { answeredSinceEcho, dedent, type EchoStyle, findEcho, folderShownUnder, type InputRow, inputRowAboveFooter, keysFor, lastIndexMatching, menuPrompt, tidy, trustOwnFolder, unbox, unbullet } from './tui';
import type { ClassifyContext, CliAdapter, DetectedPrompt, ReplyCapture, ScreenState } from './types';

/**
 * OpenAI Codex CLI (`codex`), ratatui TUI, run with `--no-alt-screen`. Strings read off Codex CLI
 * 0.169.0 (fixtures in test/fixtures/screens/codex).
 *
 * Why `--no-alt-screen`: by default 0.169 draws in the alternate screen with absolute-positioned
 * diffs, so at most ~31 rows of a reply ever exist in the terminal (a 400-line reply cannot be
 * recovered, and viewers get no scrollback). Inline mode writes history through a scroll region
 * into the normal buffer, where the screen model sees every row.
 *
 *   ready     composer `› Ask Codex to do anything` (placeholder), then the footer
 *             `GPT-6.1-Sol default · <cwd>` / `← for agents · ? for shortcuts`. At start-up a bare
 *             `? for shortcuts` shows for ~0.2 s before the trust prompt, without the model line.
 *   busy      `• Working (0s • esc to interrupt)` — only until the first token; while text streams
 *             there is no marker, so after a message only `Worked for <1s • 22:43` below the echoed
 *             `› message` ends the turn. Codex also reports `OSC 7501 ; state=working|done|idle|
 *             blocked:…:kind=permission`, used as a second signal during turns.
 *   question  `Would you like to run the following command?` … `$ <cmd>` / `› 1. Yes, proceed (y)` /
 *             `2. Yes, and don't ask again for commands that start with …` / `3. No, and tell Codex…`
 *   trust     (only in a git repo) `Folder access` / `<dir>` / `Trust this folder? …` /
 *             `› 1. Trust and continue` / `2. Back to Agent Command Center`
 *   login     chooser `> 1. Sign in with ChatGPT` / `2. Sign in with Device Code` / `3. Sign in another
 *             way` (a digit selects and confirms); `Finish signing in via your browser` + an
 *             auth.openai.com URL; `codex login --device-auth`: `Enter this one-time code` + the code
 */

const BUSY = /esc to interrupt/i;
const SHORTCUTS = /\?\s*for\s+shortcuts/i;
/** The model/working-directory line of the footer: `GPT-6.1-Sol default · /path`. */
const MODEL_LINE = /\S\s·\s(?:\/|~|[A-Za-z]:\\)/;
const COMPOSER = /^›\s(.*)$/;
const PLACEHOLDERS = /^(?:ask codex to do anything|ask a follow-up question)$/i;
const WORKED_FOR = /^\s*(?:─+\s*)?worked for\s+<?\d+(?:h\s*\d+m\s*\d+s|m\s*\d+s|s)\b/i;

interface Composer extends InputRow {
  /** The full footer (model line) is drawn: Codex finished starting. */
  complete: boolean;
}

/** The composer: `› ` above the `? for shortcuts` footer; numbered `› 1.` rows are menu entries. */
function composer(lines: readonly string[]): Composer | undefined {
  const input = inputRowAboveFooter(lines, { footer: SHORTCUTS, row: COMPOSER, skip: /^\d+\.\s/, placeholder: PLACEHOLDERS });
  if (!input) return undefined;
  return { ...input, complete: lines.slice(input.row + 1, input.footer + 1).some((l) => MODEL_LINE.test(l)) };
}

function reported(screen: ScreenSnapshot): string | undefined {
  return /state=([a-z]+)/.exec(screen.reportedState ?? '')?.[1];
}

function detectLogin(screen: ScreenSnapshot): LoginInfo | undefined {
  const text = screen.text;
  const lines = screen.lines;
  // Codex's sign-in screens replace the chat: with the composer on screen, login words and URLs
  // are part of the conversation (a reply can quote anything), not a login screen.
  if (composer(lines)) return undefined;
  if (/enter this one-time code|device code authorization|preparing device code login/i.test(text)) {
    const deviceCode = extractDeviceCode(lines);
    const loginUrl = pickLoginUrl(extractUrls(screen));
    if (/successfully logged in/i.test(text)) return undefined;
    return {
      method: 'device_code',
      loginUrl,
      deviceCode,
      instructions: `Open ${loginUrl ?? 'the device login page'} and enter the one-time code ${deviceCode ?? 'shown in the terminal'}.`,
    };
  }
  if (/finish signing in via your browser/i.test(text)) {
    return { method: 'oauth_browser', loginUrl: pickLoginUrl(extractUrls(screen)), instructions: 'Finish signing in to Codex in the browser.' };
  }
  const chooser = lastIndexMatching(lines, /sign in with chatgpt/i);
  if (chooser >= 0 && /sign in with device code|sign in another way|provide your own api key/i.test(text)) {
    const menu = parseNumberedMenu(lines, Math.max(0, chooser - 1));
    return {
      method: 'unknown',
      instructions: 'Codex needs a sign-in: "Sign in with ChatGPT" (browser) or "Sign in with Device Code", or give the agent an OpenAI API key.',
      options: menu ? menuOptions(menu, 'digit') : undefined,
    };
  }
  if (/paste or type your api key/i.test(text)) {
    return { method: 'api_key', instructions: 'Codex asks for an OpenAI API key. Type it in its terminal, or give the agent one.' };
  }
  return undefined;
}

/** A dialog is current only while the composer is not drawn below it. */
const STALE_AFTER = /^›\s(?!\d+\.\s)/;

function detectPrompt(screen: ScreenSnapshot, context: ClassifyContext): DetectedPrompt | undefined {
  const lines = screen.lines;
  const trust = menuPrompt(lines, { kind: 'trust_folder', questionPattern: /trust this folder\?|do you trust the contents of this directory/i, selection: 'arrows', staleAfter: STALE_AFTER });
  if (trust) {
    // Codex names the folder on the line under "Folder access".
    const shown = folderShownUnder(lines, /folder access/i, 2);
    trustOwnFolder(trust, { rule: 'codex.trust-folder', accept: /trust|yes/i, shown, workdir: context.workdir });
    if (shown) trust.question = `${trust.question.split('?')[0]}? (${shown})`;
    return trust;
  }
  const update = menuPrompt(lines, { kind: 'update', questionPattern: /update available|new version of codex/i, selection: 'arrows', staleAfter: STALE_AFTER });
  if (update) {
    const keys = keysFor(update, /skip/i);
    if (keys) update.autoAnswer = { rule: 'codex.skip-update', category: 'update', keys };
    return update;
  }
  const approval = menuPrompt(lines, {
    kind: 'permission',
    questionPattern: /would you like to (?:run the following command|make the following edits|grant)|do you want to approve|allow codex to/i,
    selection: 'arrows',
    staleAfter: STALE_AFTER,
  });
  if (approval) {
    const at = lastIndexMatching(lines, /would you like to|do you want to approve|allow codex to/i);
    const detail = lines.slice(at + 1, at + 8).map((l) => unbox(l).trim());
    const command = detail.find((l) => l.startsWith('$ '));
    const reason = detail.find((l) => /^reason:/i.test(l));
    approval.question = [approval.question, command, reason].filter(Boolean).join(' ');
    return approval;
  }
  return menuPrompt(lines, { kind: 'unknown', questionPattern: /\?\s*$/, selection: 'arrows', staleAfter: STALE_AFTER });
}

function classify(screen: ScreenSnapshot, context: ClassifyContext): ScreenState {
  const login = detectLogin(screen);
  if (login) return { kind: 'login', login };
  const prompt = detectPrompt(screen, context);
  if (prompt) return { kind: 'prompt', prompt };
  const lines = screen.lines;
  const box = composer(lines);
  const signal = reported(screen);
  if (!box) return { kind: context.turn ? 'busy' : 'starting' };
  if (BUSY.test(lines.slice(Math.max(0, box.row - 3)).join('\n'))) return { kind: 'busy' };
  if (!box.complete) return { kind: context.turn ? 'busy' : 'starting' };
  if (context.turn) {
    // OSC 7501 goes `working` during start-up too, so it only counts inside a turn.
    if (signal === 'working' || signal === 'blocked') return { kind: 'busy' };
    const turnLines = context.turn.lines();
    const history = turnLines.slice(0, composer(turnLines)?.row ?? turnLines.length);
    if (!answeredSinceEcho(history, context.turn.message, ECHO_STYLE, (l) => WORKED_FOR.test(l))) return { kind: 'busy' };
  }
  return { kind: 'ready' };
}


/** The reply: after the echoed `› message`, up to `Worked for`, without `• ` markers and busy rows. */
/** Codex echoes messages like its composer; menu entries and placeholders are not messages. */
const ECHO_STYLE: EchoStyle = { row: COMPOSER, ignore: new RegExp(`^\\d+\\.\\s|${PLACEHOLDERS.source}`, 'i'), pasted: /^\[Pasted Content/i };

function extractReply(capture: ReplyCapture): string {
  const lines = capture.lines;
  const echo = findEcho(lines, capture.message ?? '', ECHO_STYLE);
  let body = lines.slice(echo + 1);
  const end = body.findIndex((l) => WORKED_FOR.test(l));
  if (end >= 0) body = body.slice(0, end);
  else {
    const box = composer(body);
    if (box) body = body.slice(0, box.row);
  }
  // `✔ You approved codex to run …` notes the approval, which the question event already reported.
  body = body.filter((l) => !BUSY.test(l) && !/^✔ You approved codex/.test(l));
  return tidy(dedent(unbullet(body, /^•\s/)));
}

export function createCodexAdapter(): CliAdapter {
  return {
    type: 'codex',
    displayName: 'Codex CLI',
    command: 'codex',
    installHint: 'npm install -g @openai/codex',
    versionArgs: ['--version'],
    // ratatui frames come ~16–100 ms apart; 150 ms rejects a half-drawn frame.
    settleMs: 150,
    // Codex treats an Enter within ~200 ms of typed text as part of a paste (docs/cli-behaviour.md, Codex).
    enterDelayMs: 350,
    defaultArgs: () => ['--no-alt-screen'],
    // Codex 0.169: even "autonomous" keeps the workspace-write sandbox and only stops asking; the
    // sandbox-free bypass is left to callers who pass it explicitly in `args`.
    approvalArgs: (preset) =>
      ({
        readonly: ['--sandbox', 'read-only'],
        standard: ['--sandbox', 'workspace-write'],
        permissive: ['--sandbox', 'workspace-write', '--ask-for-approval', 'on-request'],
        autonomous: ['--sandbox', 'workspace-write', '--ask-for-approval', 'never'],
      })[preset],
    env: (context) => {
      const env: Record<string, string> = {};
      if (context.credentials.openaiKey) env.OPENAI_API_KEY = context.credentials.openaiKey;
      return env;
    },
    classify,
    // ChatGPT sign-in and device codes are on auth.openai.com (chatgpt.com after it); a spawn may
    // point Codex at its own issuer or API (docs/login-trust.md).
    loginTrust: {
      hosts: ['openai.com', 'chatgpt.com'],
      baseUrlEnv: ['OPENAI_BASE_URL'],
      baseUrlFlags: ['--experimental_issuer'],
      baseUrlConfigKeys: ['openai_base_url', 'chatgpt_base_url'],
    },
    inputText: (screen) => composer(screen.lines)?.text,
    extractReply,
  };
}
