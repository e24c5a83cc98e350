import type { LoginInfo } from '../../../src-shared/agent';
import { extractUrls, pickLoginUrl } from '../detect/login';
import { menuOptions, parseNumberedMenu } from '../detect/options';
import type { ScreenSnapshot } from '../screen/screen-model';
import { dedent, keysFor, lastIndexMatching, menuPrompt, tidy, unbox } from './tui';
import type { ClassifyContext, CliAdapter, DetectedPrompt, ReplyCapture, ScreenState } from './types';

/**
 * Gemini CLI (`gemini`), Ink TUI. Strings read off Gemini CLI 0.61.0.
 *
 *   ready     box row `>   Type your message or @path/to/file`; the placeholder also shows while
 *             busy, so additionally no `esc to cancel`
 *   busy      `⠦ Thinking... (esc to cancel, 2s)`, shown while streaming too
 *   done      `✦ <reply>`, spinner gone
 *   question  `Allow execution of [Shell]?` / `● 1. Allow once` / `2. Allow for this session` /
 *             `3. No, suggest changes (esc)`
 *   trust     `Do you trust the files in this folder?` / `● 1. Trust folder (<dir>)`; the CLI
 *             restarts itself after the answer
 *   auth      `How would you like to authenticate for this project?` (`Use Gemini API Key` when a
 *             key is set), `Enter Gemini API Key`; Google sign-in prints an accounts.google.com URL
 */

const BUSY = /esc to cancel/i;
const INPUT_ROW = /^\s*[│┃]?\s*[>!*]\s{1,3}(.*?)\s*[│┃]?\s*$/;
const PLACEHOLDER = /^type your message or @path\/to\/file/i;

function inputBox(screen: ScreenSnapshot): { row: number; text: string } | undefined {
  const lines = screen.lines;
  for (let i = lines.length - 1; i >= 0; i--) {
    const match = INPUT_ROW.exec(lines[i]);
    if (!match) continue;
    const text = match[1].trim();
    return { row: i, text: PLACEHOLDER.test(text) ? '' : text };
  }
  return undefined;
}

function detectLogin(screen: ScreenSnapshot, context: ClassifyContext): LoginInfo | undefined {
  const text = screen.text;
  if (/visit the following url to authorize|accounts\.google\.com|sign in with google.*browser|waiting for auth/i.test(text) && !/how would you like to authenticate/i.test(text)) {
    const loginUrl = pickLoginUrl(extractUrls(screen));
    return { method: 'oauth_browser', loginUrl, instructions: 'Sign in with Google in the browser, then paste the authorization code into the terminal if it asks.' };
  }
  if (/how would you like to authenticate/i.test(text) && !(context.keyFromRuntime || /existing api key detected/i.test(text))) {
    const lines = screen.lines;
    const menu = parseNumberedMenu(lines, Math.max(0, lastIndexMatching(lines, /how would you like to authenticate/i)));
    return {
      method: 'unknown',
      instructions: 'Gemini CLI needs a sign-in: choose "Sign in with Google" (browser), or give the agent a Gemini API key.',
      options: menu ? menuOptions(menu, 'arrows') : undefined,
    };
  }
  if (/api key (?:not found|is not valid)|invalid api key|set (?:google_api_key|gemini_api_key)/i.test(text)) {
    return { method: 'api_key', instructions: 'Gemini CLI has no valid API key. Give the agent a Gemini API key.' };
  }
  return undefined;
}

function detectPrompt(screen: ScreenSnapshot, context: ClassifyContext): DetectedPrompt | undefined {
  const lines = screen.lines;
  const trust = menuPrompt(lines, { kind: 'trust_folder', questionPattern: /do you trust the files in this folder|do you trust this folder/i, selection: 'arrows' });
  if (trust) {
    const option = trust.options.find((o) => /^trust folder/i.test(o.label));
    // Only ever trust the spawn's own folder, never a parent.
    if (option && labelNamesFolder(option.label, context.workdir)) trust.autoAnswer = { rule: 'gemini.trust-folder', category: 'trustFolder', keys: option.keys };
    return trust;
  }
  const auth = menuPrompt(lines, { kind: 'api_key', questionPattern: /how would you like to authenticate/i, selection: 'arrows' });
  if (auth && (context.keyFromRuntime || /existing api key detected/i.test(screen.text))) {
    const keys = keysFor(auth, /gemini api key/i);
    if (keys && context.keyFromRuntime) auth.autoAnswer = { rule: 'gemini.use-api-key', category: 'apiKey', keys };
    return auth;
  }
  if (/enter gemini api key/i.test(screen.text) && context.keyFromRuntime) {
    // The key is prefilled from GEMINI_API_KEY; Enter accepts it.
    return {
      kind: 'api_key',
      question: 'Enter Gemini API Key',
      options: [{ label: 'Use the prefilled key', keys: ['enter'] }],
      autoAnswer: { rule: 'gemini.confirm-api-key', category: 'apiKey', keys: ['enter'] },
      fingerprint: 'gemini:enter-api-key',
    };
  }
  const privacy = menuPrompt(lines, { kind: 'telemetry', questionPattern: /allow google to use this data/i, selection: 'arrows' });
  if (privacy) {
    const keys = keysFor(privacy, /^no/i);
    if (keys) privacy.autoAnswer = { rule: 'gemini.decline-data-use', category: 'telemetry', keys };
    return privacy;
  }
  const permission = menuPrompt(lines, {
    kind: 'permission',
    questionPattern: /allow execution of|apply this change\?|do you want to proceed\?|allow (?:this|the following)/i,
    selection: 'arrows',
  });
  if (permission) {
    const at = lastIndexMatching(lines, /allow execution of|apply this change|do you want to proceed|allow (?:this|the following)/i);
    const header = lines.slice(Math.max(0, at - 4), at).map((l) => unbox(l).trim()).find((l) => /^\?\s/.test(l));
    if (header) permission.question = `${header.replace(/^\?\s+/, '')}: ${permission.question}`;
    return permission;
  }
  return undefined;
}

/** `Trust folder (repo)` or `Trust folder (/abs/path/repo)` names the workdir. */
function labelNamesFolder(label: string, workdir: string): boolean {
  const shown = /\(([^)]*)\)\s*$/.exec(label)?.[1]?.trim();
  if (!shown) return true;
  const base = workdir.split('/').filter(Boolean).pop() ?? workdir;
  return shown === workdir || shown === base || workdir.endsWith(shown.replace(/^~/, ''));
}

function classify(screen: ScreenSnapshot, context: ClassifyContext): ScreenState {
  const login = detectLogin(screen, context);
  if (login) return { kind: 'login', login };
  const prompt = detectPrompt(screen, context);
  if (prompt) return { kind: 'prompt', prompt };
  const box = inputBox(screen);
  if (BUSY.test(screen.text)) return { kind: 'busy' };
  if (!box) return screen.text.trim() === '' ? { kind: 'starting' } : { kind: 'busy' };
  if (context.turn) {
    const history = screen.lines.slice(0, box.row);
    const echo = findEcho(history, context.turn.message);
    if (echo < 0 || !history.slice(echo + 1).some((l) => /^\s*✦/.test(l) || /request cancelled/i.test(l) || /^\s*[✓✕x]\s/.test(l))) return { kind: 'busy' };
  }
  return { kind: 'ready' };
}

function findEcho(lines: readonly string[], message: string): number {
  const probe = message.split('\n')[0].trim().slice(0, 40);
  for (let i = lines.length - 1; i >= 0; i--) {
    const match = /^\s*[│┃]?\s*>\s+(.*)$/.exec(lines[i]);
    if (match && !PLACEHOLDER.test(match[1].trim()) && (probe === '' || match[1].includes(probe))) return i;
  }
  return -1;
}

function extractReply(capture: ReplyCapture): string {
  const lines = capture.lines;
  let body = lines.slice(findEcho(lines, capture.message ?? '') + 1);
  const box = body.findIndex((l) => INPUT_ROW.test(l) && PLACEHOLDER.test(INPUT_ROW.exec(l)![1].trim()));
  if (box >= 0) body = body.slice(0, Math.max(0, box - 1));
  body = body.filter((l) => !BUSY.test(l) && !/^\s*[╭╰][─]+[╮╯]\s*$/.test(l));
  const cleaned = body.map((l) => l.replace(/^(\s*)✦\s/, '$1  '));
  return tidy(dedent(cleaned));
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
    env: (context) => {
      const env: Record<string, string> = {};
      if (context.credentials.googleKey) {
        env.GEMINI_API_KEY = context.credentials.googleKey;
        env.GOOGLE_API_KEY = context.credentials.googleKey;
      }
      return env;
    },
    classify,
    inputText: (screen) => inputBox(screen)?.text,
    extractReply,
  };
}
