import type { LoginInfo } from '../../../src-shared/agent';
import { extractUrls, pickLoginUrl } from '../detect/login';
import { menuOptions, parseNumberedMenu } from '../detect/options';
import type { ScreenSnapshot } from '../screen/screen-model';
import { answeredSinceEcho, dedent, type EchoStyle, findEcho, type InputRow, inputRowAboveFooter, keysFor, lastIndexMatching, menuPrompt, sameFolder, tidy, unbox, unbullet } from './tui';
import type { ClassifyContext, CliAdapter, DetectedPrompt, ReplyCapture, ScreenState } from './types';

/**
 * Gemini CLI (`gemini`), Ink TUI. Strings read off Gemini CLI 0.61.0 (fixtures in
 * test/fixtures/screens/gemini).
 *
 *   ready     input row ` >   Type your message or @path/to/file` between half-block rules
 *             (`▄▄▄` / `▀▀▀`), footer `workspace (/directory) … sandbox … /model`; window title
 *             `◇  Ready (<dir>)`. The placeholder also shows while busy. At start-up the input
 *             area is painted ~150 ms before the banner (`Gemini CLI v0.61.0`) and any first-start
 *             dialog, so until the first ready the banner must be on screen too.
 *   busy      ` ⠸ Thinking... (esc to cancel, 0s)` — shown while streaming too; title `✦  Working…`
 *   done      ` > hello` / `✦ PONG`, spinner gone, title back to `◇  Ready`
 *   question  `? Shell  <cmd>` / `Allow execution of [Shell]?` / `● 1. Allow once` /
 *             `2. Allow for this session` / `3. No, suggest changes (esc)`; title `✋  Action Required`
 *   trust     `Do you trust the files in this folder?` / `● 1. Trust folder (<basename>)` /
 *             `2. Trust parent folder (<parent>)` / `3. Don't trust`. After the answer Gemini
 *             restarts itself and the answered dialog stays on screen above the new UI.
 *   auth      `How would you like to authenticate for this project?` / `● 1. Sign in with Google` /
 *             `2. Use Gemini API Key` / `3. Vertex AI`; Google sign-in prints `Please visit the
 *             following URL to authorize the application:` + an accounts.google.com URL
 */

const BUSY = /esc to cancel/i;
const INPUT_ROW = /^\s*>\s{1,3}(.*)$/;
const PLACEHOLDER = /^type your message or @path\/to\/file$/i;
const FOOTER = /workspace \(\/directory\)|no sandbox|\/model\s*$/i;
const HALF_BLOCK_RULE = /^[▄▀]{10,}\s*$/;
const REPLY = /^\s*✦\s/;
/**
 * The status line Gemini draws while hooks run (`Executing Hooks: <names>`, behind a spinner): the
 * runtime's own hooks show there too, so a reply scraped from the screen must leave it out.
 */
const HOOK_STATUS = /^\s*(?:\S\s+)?Executing Hooks?:\s/;
/**
 * The same line half overdrawn: Ink redraws the row with the shorter "? for shortcuts" hint and
 * the tail of the hook names stays (`? for shortcutsks: raven-signal-BeforeAgent, …`). The
 * runtime's hook names (signals/gemini-hooks.ts) appear nowhere else on a Gemini screen. Gemini
 * shows every settings-file hook there, whatever `hooksConfig.notifications` says (docs/signals.md).
 */
const OWN_HOOK_NAMES = /\braven-signal-[A-Z][A-Za-z]+\b/;

/** The input row is the last ` > ` row, with the footer drawn below it. */
function inputBox(lines: readonly string[]): InputRow | undefined {
  return inputRowAboveFooter(lines, { footer: FOOTER, row: INPUT_ROW, placeholder: PLACEHOLDER });
}

function titleSays(screen: ScreenSnapshot): 'ready' | 'working' | 'action' | undefined {
  const title = screen.title.trim();
  if (/^◇/.test(title)) return 'ready';
  if (/^✦/.test(title)) return 'working';
  if (/^✋/.test(title)) return 'action';
  return undefined;
}

function detectLogin(screen: ScreenSnapshot, context: ClassifyContext): LoginInfo | undefined {
  const text = screen.text;
  // Gemini's Google sign-in takes the place of the input box: with the box on screen, these words
  // and URLs are part of the conversation (a reply can quote anything), not its login screen.
  if (/visit the following url to authorize|enter the authorization code|waiting for auth/i.test(text) && !inputBox(screen.lines)) {
    return {
      method: 'oauth_browser',
      loginUrl: pickLoginUrl(extractUrls(screen)),
      instructions: 'Sign in with Google in the browser, then paste the authorization code into the terminal.',
    };
  }
  const lines = screen.lines.map(unbox);
  const at = lastIndexMatching(lines, /how would you like to authenticate/i);
  // With a key from the runtime this chooser is an API-key prompt the runtime answers (detectPrompt).
  if (at >= 0 && !context.keyFromRuntime && !inputBox(screen.lines)) {
    const menu = parseNumberedMenu(lines, at);
    return {
      method: 'unknown',
      instructions: 'Gemini CLI needs a sign-in: choose "Sign in with Google" (browser), or give the agent a Gemini API key.',
      options: menu ? menuOptions(menu, 'arrows') : undefined,
    };
  }
  if (/api key (?:not found|is not valid)|invalid api key/i.test(text) && !inputBox(screen.lines)) {
    return { method: 'api_key', instructions: 'Gemini CLI rejected its API key. Give the agent a valid Gemini API key.' };
  }
  return undefined;
}

/** A dialog is current only while the input row is not drawn below it. */
const STALE_AFTER = /^\s*>\s{1,3}type your message|workspace \(\/directory\)|restarting to apply the trust changes/i;

function detectPrompt(screen: ScreenSnapshot, context: ClassifyContext): DetectedPrompt | undefined {
  const lines = screen.lines;
  const trust = menuPrompt(lines, { kind: 'trust_folder', questionPattern: /do you trust the files in this folder|do you trust this folder/i, selection: 'arrows', staleAfter: STALE_AFTER });
  if (trust) {
    const option = trust.options.find((o) => /^trust folder/i.test(o.label));
    // Only ever the spawn's own folder, never its parent.
    if (option && labelNamesFolder(option.label, context.workdir)) trust.autoAnswer = { rule: 'gemini.trust-folder', category: 'trustFolder', keys: option.keys };
    return trust;
  }
  const auth = menuPrompt(lines, { kind: 'api_key', questionPattern: /how would you like to authenticate/i, selection: 'arrows', staleAfter: STALE_AFTER });
  if (auth && context.keyFromRuntime) {
    const keys = keysFor(auth, /gemini api key/i);
    if (keys) auth.autoAnswer = { rule: 'gemini.use-api-key', category: 'apiKey', keys };
    return auth;
  }
  if (/enter gemini api key/i.test(screen.text) && context.keyFromRuntime && !inputBox(lines)) {
    // The key is prefilled from GEMINI_API_KEY; Enter accepts it.
    return {
      kind: 'api_key',
      question: 'Enter Gemini API Key',
      options: [{ label: 'Use the prefilled key', keys: ['enter'] }],
      autoAnswer: { rule: 'gemini.confirm-api-key', category: 'apiKey', keys: ['enter'] },
      fingerprint: 'gemini:enter-api-key',
    };
  }
  const privacy = menuPrompt(lines, { kind: 'telemetry', questionPattern: /allow google to use this data/i, selection: 'arrows', staleAfter: STALE_AFTER });
  if (privacy) {
    const keys = keysFor(privacy, /^no/i);
    if (keys) privacy.autoAnswer = { rule: 'gemini.decline-data-use', category: 'telemetry', keys };
    return privacy;
  }
  const permission = menuPrompt(lines, {
    kind: 'permission',
    questionPattern: /allow execution of|apply this change\?|do you want to proceed\?|allow (?:this|the following)/i,
    selection: 'arrows',
    staleAfter: STALE_AFTER,
  });
  if (permission) {
    const at = lastIndexMatching(lines, /allow execution of|apply this change|do you want to proceed|allow (?:this|the following)/i);
    const header = lines
      .slice(Math.max(0, at - 8), at)
      .map((l) => unbox(l).trim())
      .find((l) => /^\?\s/.test(l));
    if (header) permission.question = `${header.replace(/^\?\s+/, '').replace(/\s{2,}/g, ' ')}: ${permission.question}`;
    return permission;
  }
  return menuPrompt(lines, { kind: 'unknown', questionPattern: /\?\s*│?\s*$/, selection: 'arrows', staleAfter: STALE_AFTER });
}

/** `Trust folder (work)` or `Trust folder (/abs/path/work)` names the workdir. */
function labelNamesFolder(label: string, workdir: string): boolean {
  const shown = /\(([^)]*)\)\s*$/.exec(label)?.[1]?.trim();
  if (!shown) return true;
  const base = workdir.replace(/[\\/]+$/, '').split(/[\\/]/).pop();
  return sameFolder(shown, workdir) || shown === base;
}

function classify(screen: ScreenSnapshot, context: ClassifyContext): ScreenState {
  const login = detectLogin(screen, context);
  if (login) return { kind: 'login', login };
  const prompt = detectPrompt(screen, context);
  if (prompt) return { kind: 'prompt', prompt };
  const lines = screen.lines;
  const box = inputBox(lines);
  if (!box) return { kind: context.turn ? 'busy' : 'starting' };
  // Ink paints the input area first and the banner (or a first-start dialog) ~150 ms later; at
  // start-up only a screen with the banner above the box is the real idle screen.
  if (context.startup && !lines.slice(0, box.row).some((l) => /Gemini CLI v\d|Tips for getting started/.test(l))) return { kind: 'starting' };
  const title = titleSays(screen);
  if (BUSY.test(lines.slice(Math.max(0, box.row - 4), box.row).join('\n')) || title === 'working') return { kind: 'busy' };
  if (context.turn) {
    const turnLines = context.turn.lines();
    const history = turnLines.slice(0, inputBox(turnLines)?.row ?? turnLines.length);
    const answered = answeredSinceEcho(history, context.turn.message, ECHO_STYLE, (l) => REPLY.test(l) || /request cancelled/i.test(l) || /^\s*│?\s*[✓x✕]\s/.test(unbox(l)));
    if (!answered) return { kind: 'busy' };
  }
  return { kind: 'ready' };
}


/**
 * Strips the line-number gutter Gemini draws in code blocks (`     1 line 001`): a run of rows
 * numbered 1, 2, 3… with the same right-aligned width.
 */
function stripGutters(lines: string[]): string[] {
  const out = [...lines];
  for (let i = 0; i < out.length; i++) {
    if (!/^\s*1 /.test(out[i])) continue;
    const width = /^(\s*1) /.exec(out[i])![1].length;
    let j = i;
    let n = 1;
    const gutter = (k: number, num: number) => out[k] !== undefined && out[k].slice(0, width).trim() === String(num) && (out[k][width] === ' ' || out[k].length === width);
    while (gutter(j, n)) {
      j++;
      n++;
    }
    if (n - 1 < 3) continue;
    for (let k = i; k < j; k++) out[k] = out[k].slice(width + 1);
    i = j - 1;
  }
  return out;
}

/** The reply: after the echoed ` > message`, up to the input box, without spinner rows and markers. */
const ECHO_STYLE: EchoStyle = { row: INPUT_ROW, ignore: PLACEHOLDER, pasted: /^\[Pasted Text/i };

function extractReply(capture: ReplyCapture): string {
  let lines = capture.lines;
  const box = inputBox(lines);
  if (box) lines = lines.slice(0, box.row);
  let body = lines.slice(findEcho(lines, capture.message ?? '', ECHO_STYLE) + 1);
  body = body.filter((l) => !BUSY.test(l) && !HOOK_STATUS.test(l) && !OWN_HOOK_NAMES.test(l) && !HALF_BLOCK_RULE.test(l) && !/^\s*[╭╰]─+[╮╯]\s*$/.test(l) && !/^\s*\?\s*for shortcuts\s*$/.test(l));
  // The mode line above the input box: `Shift+Tab to accept edits`, `plan Shift+Tab to manual`.
  body = body.filter((l, i, all) => !(i >= all.length - 3 && (/shift\+tab to /i.test(l) || /^\s*─{10,}\s*$/.test(l))));
  const cleaned = body.map((l) => unbox(l).replace(/\s+\?\s*for shortcuts\s*$/, ''));
  return tidy(stripGutters(dedent(unbullet(cleaned, /^✦\s/))));
}

export function createGeminiAdapter(): CliAdapter {
  return {
    type: 'gemini-cli',
    displayName: 'Gemini CLI',
    command: 'gemini',
    installHint: 'npm install -g @google/gemini-cli',
    versionArgs: ['--version'],
    settleMs: 150,
    enterDelayMs: 150,
    defaultArgs: () => [],
    // Gemini 0.61 `--approval-mode`: plan (read-only), default, auto_edit, yolo.
    approvalArgs: (preset) =>
      ({ readonly: ['--approval-mode', 'plan'], standard: [], permissive: ['--approval-mode', 'auto_edit'], autonomous: ['--approval-mode', 'yolo'] })[preset],
    env: (context) => {
      const env: Record<string, string> = {};
      if (context.credentials.googleKey) {
        env.GEMINI_API_KEY = context.credentials.googleKey;
        env.GOOGLE_API_KEY = context.credentials.googleKey;
      }
      return env;
    },
    classify,
    // "Sign in with Google" sends people to accounts.google.com; GOOGLE_GEMINI_BASE_URL is the
    // spawn's own API server.
    loginTrust: { hosts: ['accounts.google.com'], baseUrlEnv: ['GOOGLE_GEMINI_BASE_URL'] },
    inputText: (screen) => inputBox(screen.lines)?.text,
    extractReply,
  };
}
