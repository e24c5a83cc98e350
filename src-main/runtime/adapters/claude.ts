import type { LoginInfo } from '../../../src-shared/agent';
import { extractUrls, pickLoginUrl } from '../detect/login';
import { keyHintOptions, lastHintLine, parseKeyHints } from '../detect/key-hints';
import { menuOptions, parseNumberedMenu } from '../detect/options';
import type { ScreenSnapshot } from '../screen/screen-model';
import { answeredSinceEcho, dedent, type EchoStyle, findEcho, folderShownUnder, keysFor, lastIndexMatching, menuPrompt, RULE, tidy, trustOwnFolder, unbullet } from './tui';
import type { ClassifyContext, CliAdapter, DetectedPrompt, ReplyCapture, ScreenState } from './types';

/**
 * Claude Code (`claude`), interactive TUI. Strings read off Claude Code 2.1.197 (fixtures in
 * test/fixtures/screens/claude) and 2.1.332 (test/fixtures/screens/claude-2.1.332); what changed
 * between them is in docs/cli-behaviour.md. They drift between releases, so each is matched loosely, and
 * a rule that only one version needs is named after what it detects.
 *
 *   ready     input row `❯<NBSP>` between two `────` rules; footer `? for shortcuts · ← for agents`
 *             (shown only when idle with an empty box), or in another permission mode
 *             `⏵⏵ accept edits on (shift+tab to cycle) · ← for agents`
 *   busy      footer `esc to interrupt`; spinner row `✢ Whirring… (0s · ↓ 26 tokens)` (random verb)
 *   done      `❯ hello` / `● PONG` / `✻ Cooked for 0s`, footer back to `? for shortcuts`
 *   question  `Bash command` / `<cmd>` / `This command requires approval` / `Do you want to proceed?` /
 *             `❯ 1. Yes` / `2. Yes, and don’t ask again for: …` / `3. No` (the input box is gone)
 *   trust     `Accessing workspace:` / `<dir>` / `Quick safety check: Is this a project you created
 *             or one you trust?` / `❯ 1. Yes, I trust this folder` / `2. No, exit`
 *   MCP       `New MCP server found in this project: <name>` / `❯ 1. Use this MCP server` /
 *             `2. Use this and all future MCP servers in this project` / `3. Continue without …`
 *   API key   `Detected a custom API key in your environment` / `Do you want to use this API key?` /
 *             `1. Yes` / `❯ 2. No (recommended)` — the highlighted default is No
 *   login     footer `Not logged in · Run /login`; `/login` shows `Select login method:` and then
 *             `Browser didn't open? Use the url below to sign in` + a claude.com URL; a fresh HOME
 *             offline prints `Unable to connect to Anthropic services` and exits 1
 *
 * 2.1.332 differs: menus are unnumbered (` ❯ No, exit` / `   Yes, I trust this folder`, "No"
 * highlighted first in the trust and permission dialogs); it starts in auto mode (footer
 * `⏵⏵ auto mode on (shift+tab to cycle)`) and, behind a model gateway, shows "Auto mode can't check
 * actions in this session" before the permission question; the turn summary ends `· done 9:52 PM`;
 * an effort badge `◐ medium · /effort` sits above the input box; the login panel sits under `▔▔▔▔`;
 * and it draws in the alternate screen unless CLAUDE_CODE_DISABLE_ALTERNATE_SCREEN=1.
 */

const BUSY_FOOTER = /esc to interrupt/i;
/**
 * The idle footer: `? for shortcuts` in the default mode; other permission modes show the mode
 * instead (`⏵⏵ accept edits on (shift+tab to cycle)`, plan mode, bypass).
 */
const IDLE_FOOTER = /\?\s*for\s+shortcuts|shift\+tab to cycle/i;
/** The input row starts with `❯` and a (non-breaking) space; history echoes use a plain space. */
const INPUT_ROW = /^❯[\s\u00a0](.*)$/;
/** Spinner rows: a glyph, a capitalised verb and an ellipsis (`✢ Whirring… (0s · ↓ 26 tokens)`). */
const SPINNER_ROW = /^\s*[·✢✳✶✻✽*]\s+[A-Z][\w' -]*…/;
/**
 * Turn summary: `✻ Cooked for 0s`, `✻ Worked for 8m 19s`, and with the time the turn ended
 * appended, `✻ Crunched for 0s · done 9:52 PM`.
 */
const TURN_DONE = /^\s*[·✢✳✶✻✽*]\s+[A-Z][\w'é -]* for \d+(?:h\s*\d+m\s*\d+s|m\s*\d+s|s)(?:\s*·\s*done\b[^·]*)?\s*$/;
/** The reasoning-effort badge drawn right-aligned above the input box: `◐ medium · /effort`. */
const EFFORT_BADGE = /^\s*[○◌◐◑◒◓◔◕●]\s+[\w-]+\s*·\s*\/effort\s*$/;
/**
 * The notice Claude shows when auto mode's server-side safety check cannot run (behind a model
 * gateway): `Auto mode can't check actions in this session` … hint line `Enter to stay in auto
 * mode · shift+Tab to leave for accept edits mode and stop · Esc to cancel`.
 */
const AUTO_MODE_UNCHECKED_HINT = /enter to stay in auto mode/i;
const AUTO_MODE_UNCHECKED_TITLE = /auto mode can.t check actions/i;
/** Lines between a permission question and its tool header that add nothing to the question. */
const PERMISSION_FILLER = /requires approval|needs your approval/i;
const ECHO = /^[❯>] (.*)$/;
const BULLET = /^●\s/;

/**
 * The rule a panel (login, permission question) is drawn under: a solid `────` line, or in
 * 2.1.3xx's login panel `▔▔▔▔`. Dashed `╌╌╌╌` lines frame a command inside the panel.
 */
const PANEL_TOP = /^\s*(?:─{10,}|▔{10,})\s*$/;

interface InputBox {
  /** Index of the rule above the input row. */
  top: number;
  /** Index of the rule below the input rows. */
  bottom: number;
  text: string;
}

function inputBox(lines: readonly string[]): InputBox | undefined {
  const bottom = lastIndexMatching(lines, RULE);
  if (bottom < 1) return undefined;
  const top = lastIndexMatching(lines, RULE, bottom);
  if (top < 0 || bottom - top < 2 || bottom - top > 30) return undefined;
  const first = INPUT_ROW.exec(lines[top + 1]);
  if (!first) return undefined;
  const rest = lines.slice(top + 2, bottom).map((l) => l.trim());
  const text = [first[1].replace(/\u00a0/g, ' ').trim(), ...rest].join('\n').trim();
  return { top, bottom, text };
}

/**
 * Claude's own login panel: below the last `────` rule, headed `Login`. Only text there counts as a
 * login screen; the same words in a reply or a tool's output above it are just text.
 */
function loginPanel(lines: readonly string[]): string[] | undefined {
  const rule = lastIndexMatching(lines, PANEL_TOP);
  if (rule < 0) return undefined;
  const panel = lines.slice(rule + 1);
  const heading = panel.find((line) => line.trim() !== '');
  return heading?.trim() === 'Login' ? panel : undefined;
}

function detectLogin(screen: ScreenSnapshot): LoginInfo | undefined {
  const lines = screen.lines;
  const text = screen.text;
  const panel = loginPanel(lines);
  const panelText = panel?.join('\n') ?? '';
  if (/browser didn.t open\? use the url below|paste code here if prompted|opening browser to sign in/i.test(panelText)) {
    // A URL counts only if it was printed inside the panel (rows joined: the terminal wraps it).
    const flat = panelText.replace(/\s+/g, '');
    return {
      method: 'oauth_browser',
      loginUrl: pickLoginUrl(extractUrls(screen).filter((url) => flat.includes(url))),
      instructions: 'Sign in to Claude in the browser. If the page shows a code, paste it into the terminal.',
    };
  }
  const chooser = panel ? lastIndexMatching(lines, /select login method/i) : -1;
  if (chooser >= 0) {
    const menu = parseNumberedMenu(lines, chooser);
    return {
      method: 'unknown',
      instructions: 'Claude Code needs a sign-in: choose a login method, or give the agent an Anthropic API key.',
      options: menu ? menuOptions(menu, 'arrows') : undefined,
    };
  }
  if (/not logged in\s*·\s*(?:please )?run \/login|please run \/login/i.test(text)) {
    return {
      method: 'cli_auth',
      instructions: 'Claude Code is not logged in. Run /login in its terminal, or give the agent an Anthropic API key.',
    };
  }
  if (/invalid api key|api key is invalid|authentication_error|oauth token has expired/i.test(text)) {
    return { method: 'api_key', instructions: 'Claude Code rejected its credentials. Give the agent a valid Anthropic API key, or run /login.' };
  }
  return undefined;
}

/** A dialog is current only while no input box is drawn below it. */
const STALE_AFTER = /^❯[\s\u00a0]/;

function detectPrompt(screen: ScreenSnapshot, context: ClassifyContext): DetectedPrompt | undefined {
  const lines = screen.lines;
  const trust = menuPrompt(lines, { kind: 'trust_folder', questionPattern: /is this a project you created or one you trust|do you trust the files in this folder/i, selection: 'arrows', staleAfter: STALE_AFTER });
  if (trust) {
    // Claude names the folder under "Accessing workspace:".
    const shown = folderShownUnder(lines, /accessing workspace:/i, 3);
    trustOwnFolder(trust, { rule: 'claude.trust-folder', accept: /^yes/i, shown, workdir: context.workdir });
    if (shown) trust.question = `${trust.question} (${shown})`;
    return trust;
  }
  // `.mcp.json` in the workdir (Raven writes one on every spawn): trusting the project's own MCP
  // servers is part of trusting its folder. Only "this server" is approved, never future ones.
  const mcp = menuPrompt(lines, { kind: 'trust_folder', questionPattern: /new mcp servers? found in this project|mcp servers? in \.mcp\.json/i, selection: 'arrows', staleAfter: STALE_AFTER });
  if (mcp) {
    const keys = keysFor(mcp, /^use this mcp server$/i) ?? keysFor(mcp, /^use this/i);
    if (keys) mcp.autoAnswer = { rule: 'claude.use-project-mcp', category: 'trustFolder', keys };
    return mcp;
  }
  const apiKey = menuPrompt(lines, { kind: 'api_key', questionPattern: /do you want to use this api key\?/i, selection: 'arrows', staleAfter: STALE_AFTER });
  if (apiKey) {
    const keys = keysFor(apiKey, /^yes/i);
    // Only a key the runtime itself supplied (spawn credentials or settings) is approved.
    if (keys && context.keyFromRuntime) apiKey.autoAnswer = { rule: 'claude.use-api-key', category: 'apiKey', keys };
    return apiKey;
  }
  if (/how is claude doing this session\?/i.test(lastLines(lines, 12))) {
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
      fingerprint: 'claude:survey',
    };
  }
  const permission = menuPrompt(lines, {
    kind: 'permission',
    questionPattern: /do you want to (?:proceed|make this edit|create|allow|run|delete|overwrite)|wants? (?:your )?permission/i,
    selection: 'arrows',
    staleAfter: STALE_AFTER,
  });
  if (permission) {
    // Say what is being approved: the tool header and command drawn above the question.
    const at = lastIndexMatching(lines, /do you want to|permission/i);
    const top = lastIndexMatching(lines, PANEL_TOP, at);
    const detail = lines
      .slice(Math.max(top + 1, at - 6), at)
      .map((l) => l.trim())
      .filter((l) => l !== '' && !RULE.test(l) && !PERMISSION_FILLER.test(l));
    if (detail.length > 0) permission.question = `${detail.join(' — ')}: ${permission.question}`;
    return permission;
  }
  const autoMode = autoModeUncheckedNotice(lines);
  if (autoMode) return autoMode;
  // Any other numbered dialog at the bottom (a theme picker, a new setting) waits for a person.
  return menuPrompt(lines, { kind: 'unknown', questionPattern: /\?\s*$|select|choose/i, selection: 'arrows', staleAfter: STALE_AFTER });
}

/**
 * Auto mode's "can't check actions" notice. It is a real choice (staying keeps asking for each
 * action; shift+Tab switches to accept-edits mode, which asks for less), so it goes to a person as
 * a permission question with the options its hint line names.
 */
function autoModeUncheckedNotice(lines: readonly string[]): DetectedPrompt | undefined {
  const hint = lastHintLine(lines);
  if (hint < 0 || !AUTO_MODE_UNCHECKED_HINT.test(lines[hint])) return undefined;
  const title = lastIndexMatching(lines, AUTO_MODE_UNCHECKED_TITLE, hint);
  const question = title >= 0 ? lines[title].trim() : "Auto mode can't check actions in this session";
  const options = keyHintOptions(parseKeyHints(lines[hint]));
  return {
    kind: 'permission',
    question: `${question}. Stay in auto mode and approve each action that needs the check yourself?`,
    options,
    fingerprint: `claude:auto-mode-unchecked:${options.map((o) => o.label).join('|')}`,
  };
}

function lastLines(lines: readonly string[], count: number): string {
  return lines.slice(-count).join('\n');
}

function classify(screen: ScreenSnapshot, context: ClassifyContext): ScreenState {
  const login = detectLogin(screen);
  if (login) return { kind: 'login', login };
  const prompt = detectPrompt(screen, context);
  if (prompt) return { kind: 'prompt', prompt };
  const lines = screen.lines;
  const box = inputBox(lines);
  if (!box) return { kind: screen.text.trim() === '' ? 'starting' : context.turn ? 'busy' : 'starting' };
  const footer = lines.slice(box.bottom + 1).join('\n');
  const history = lines.slice(0, box.top);
  if (BUSY_FOOTER.test(footer) || history.slice(-4).some((l) => SPINNER_ROW.test(l))) return { kind: 'busy' };
  // An empty box shows `? for shortcuts`; a box a person is typing into hides it but is still idle.
  if (!IDLE_FOOTER.test(footer) && box.text === '') return { kind: context.turn ? 'busy' : 'starting' };
  // Logged out, Claude's idle footer reads `Not logged in · Run /login` (a login, above). Typing
  // `/` opens the command menu over the footer: only an empty box with its idle footer drawn, and
  // no login notice, shows that a login went through.
  if (context.awaitingLogin && !(box.text === '' && IDLE_FOOTER.test(footer))) return { kind: 'starting' };
  if (context.turn) {
    const turnLines = context.turn.lines();
    const turnBox = inputBox(turnLines);
    if (!turnFinished(turnBox ? turnLines.slice(0, turnBox.top) : turnLines, context.turn.message)) return { kind: 'busy' };
  }
  return { kind: 'ready' };
}

/** After a message, the idle box is not enough: the turn must have produced something after the echo. */
function turnFinished(history: readonly string[], message: string): boolean {
  return answeredSinceEcho(history, message, ECHO_STYLE, (l) => BULLET.test(l) || TURN_DONE.test(l) || /^\s*⎿/.test(l) || /interrupted/i.test(l));
}


/**
 * The reply: what follows the echoed prompt, up to the input box, without spinners and the
 * `✻ Cooked for 0s` summary. Bullets (`● `) lose their marker; tool calls and their results
 * (`Bash(…)` / `⎿ output`) stay, because they are part of what the agent did.
 */
const ECHO_STYLE: EchoStyle = { row: ECHO, pasted: /^\[Pasted text/ };

function extractReply(capture: ReplyCapture): string {
  let lines = capture.lines;
  const box = inputBox(lines);
  if (box) lines = lines.slice(0, box.top);
  const echo = findEcho(lines, capture.message ?? '', ECHO_STYLE);
  let body = lines.slice(echo + 1);
  // A multi-line prompt echoes as indented continuation rows before the first bullet.
  const firstBullet = body.findIndex((l) => BULLET.test(l));
  if (firstBullet > 0 && body.slice(0, firstBullet).every((l) => l.trim() === '' || /^\s{2}/.test(l))) body = body.slice(firstBullet);
  body = withoutNotices(body);
  body = body.filter((l) => !TURN_DONE.test(l) && !SPINNER_ROW.test(l) && !EFFORT_BADGE.test(l)).map((l) => l.replace(/\u00a0/g, ' '));
  return tidy(dedent(unbullet(body, /^●\s/)));
}

/**
 * Claude's own notices drawn as a `●` paragraph in the conversation, not the model's words: after
 * the auto-mode dialog, "● Auto mode can't check actions in this session. Its safety check runs on
 * the server, …" and its indented continuation rows.
 */
function withoutNotices(lines: readonly string[]): string[] {
  const out: string[] = [];
  let inNotice = false;
  for (const line of lines) {
    if (BULLET.test(line)) inNotice = AUTO_MODE_UNCHECKED_TITLE.test(line);
    else if (inNotice && !/^\s{2}\S/.test(line)) inNotice = false;
    if (!inNotice) out.push(line);
  }
  return withoutBarNotices(out);
}

/** A row of Claude's own `▎`-barred announcements (2.1.3xx: "▎ Auto mode is now Claude Code's default …"). */
const BAR_ROW = /^▎/;
/** What marks a barred block as Claude's announcement rather than the model's quoted text. */
const CLAUDE_ANNOUNCEMENT = /Claude Code|code\.claude\.com\/docs|Auto mode/;

/**
 * Drops Claude's `▎` announcement blocks. They belong to the banner, but a redraw (a resize
 * reprints the conversation) can put them among the rows a turn captured. A barred block that does
 * not speak of Claude Code itself is left alone: it may be the model quoting something.
 */
function withoutBarNotices(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; ) {
    if (!BAR_ROW.test(lines[i])) {
      out.push(lines[i++]);
      continue;
    }
    let end = i;
    while (end < lines.length && BAR_ROW.test(lines[end])) end++;
    const block = lines.slice(i, end);
    if (!block.some((l) => CLAUDE_ANNOUNCEMENT.test(l))) out.push(...block);
    i = end;
  }
  return out;
}

export function createClaudeAdapter(): CliAdapter {
  return {
    type: 'claude-code',
    displayName: 'Claude Code',
    command: 'claude',
    installHint: 'npm install -g @anthropic-ai/claude-code',
    versionArgs: ['--version'],
    // Claude redraws its prompt area in frames ~50 ms apart; 150 ms spans a few of them.
    settleMs: 150,
    enterDelayMs: 150,
    defaultArgs: () => [],
    // Claude 2.1.x `--permission-mode`: plan (read-only), acceptEdits, bypassPermissions. Claude
    // refuses bypassPermissions for root ("cannot be used with root/sudo privileges"), so a runtime
    // running as root (containers) gets `auto`, Claude's classifier-approved mode, instead.
    approvalArgs: (preset) =>
      ({
        readonly: ['--permission-mode', 'plan'],
        standard: [],
        permissive: ['--permission-mode', 'acceptEdits'],
        autonomous: ['--permission-mode', process.getuid?.() === 0 ? 'auto' : 'bypassPermissions'],
      })[preset],
    env: (context) => {
      // Claude 2.1.3xx draws in the alternate screen by default, where a long reply only ever
      // exists as its last screenful; the classic renderer writes history into the terminal, as
      // Codex's --no-alt-screen does. Earlier versions ignore the variable. A spawn's own env wins.
      const env: Record<string, string> = { CLAUDE_CODE_DISABLE_ALTERNATE_SCREEN: '1' };
      if (context.credentials.anthropicKey) env.ANTHROPIC_API_KEY = context.credentials.anthropicKey;
      return env;
    },
    classify,
    inputText: (screen) => inputBox(screen.lines)?.text,
    extractReply,
    // The sign-in page is on claude.com / claude.ai (Console: anthropic.com); ANTHROPIC_BASE_URL
    // points Claude Code at another server, e.g. a local one (docs/login-trust.md).
    loginTrust: { hosts: ['claude.com', 'claude.ai', 'anthropic.com'], baseUrlEnv: ['ANTHROPIC_BASE_URL'] },
    loginOnExit: (screen) => {
      const login = detectLogin(screen);
      if (login) return login;
      if (/unable to connect to anthropic services|failed to connect to api\.anthropic\.com/i.test(screen.text)) {
        return {
          method: 'cli_auth',
          instructions:
            'Claude Code could not reach Anthropic to sign in and exited. Check the network and run `claude` once to log in, or give the agent an Anthropic API key.',
        };
      }
      return undefined;
    },
  };
}
