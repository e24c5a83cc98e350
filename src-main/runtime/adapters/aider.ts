import type { LoginInfo, QuestionOption } from '../../../src-shared/agent';
import { cursorRow, linesToCursor } from '../detect/generic';
import { extractUrls, pickLoginUrl } from '../detect/login';
import type { ScreenSnapshot } from '../screen/screen-model';
import { lastIndexMatching, tidy } from './tui';
import type { AutoAnswer, ClassifyContext, CliAdapter, DetectedPrompt, ReplyCapture, ScreenState } from './types';

/**
 * Aider (`aider`, Python, prompt_toolkit). It cannot be installed on our build machines, so this
 * adapter is tested against screens reproduced from aider's documented prompts (aider.chat docs,
 * 0.8x series):
 *
 *   ready     a prompt at the cursor: `> `, `ask> `, `code> `, `architect> `, `multi> `
 *   busy      `Waiting for <model>` spinner, streaming text, no prompt at the cursor
 *   done      `Tokens: 2.1k sent, 140 received. Cost: …`, then the prompt again
 *   question  `<question>? (Y)es/(N)o[/(A)ll/(S)kip all/(D)on't ask again] [Yes]:`
 *   login     `Login to OpenRouter or create a free account?`, `Please open this URL in your
 *             browser to connect Aider with OpenRouter:`, missing-key warnings
 */

const PROMPT = /^(?:(?:ask|code|architect|help|context)\s*)?(?:multi\s*)?>\s?$/i;
const YES_NO = /\(Y\)es\/\(N\)o(?:\/\(A\)ll)?(?:\/\(S\)kip all)?(?:\/\(D\)on't ask again)?\s*\[(Yes|No)\]:\s*$/i;

/** Built-in answers, each tied to an auto-respond switch. Everything else is asked. */
const AUTO_ANSWERS: { pattern: RegExp; answer: AutoAnswer }[] = [
  { pattern: /allow collection of anonymous analytics/i, answer: { rule: 'aider.decline-analytics', category: 'telemetry', keys: ['n', 'enter'] } },
  { pattern: /would you like to see what.?s new in this version/i, answer: { rule: 'aider.skip-whats-new', category: 'update', keys: ['n', 'enter'] } },
  { pattern: /newer aider version is available|run pip install --upgrade aider|upgrade aider now\?/i, answer: { rule: 'aider.decline-upgrade', category: 'update', keys: ['n', 'enter'] } },
];

function yesNoOptions(line: string): QuestionOption[] {
  const options: QuestionOption[] = [
    { label: 'Yes', keys: ['y', 'enter'] },
    { label: 'No', keys: ['n', 'enter'] },
  ];
  if (/\(A\)ll/.test(line)) options.push({ label: 'All', keys: ['a', 'enter'] });
  if (/\(S\)kip all/.test(line)) options.push({ label: 'Skip all', keys: ['s', 'enter'] });
  if (/\(D\)on't ask again/.test(line)) options.push({ label: "Don't ask again", keys: ['d', 'enter'] });
  return options;
}

function detectLogin(screen: ScreenSnapshot): LoginInfo | undefined {
  const text = linesToCursor(screen).join('\n');
  if (/open this url in your browser to connect aider with openrouter|waiting up to 5 minutes for you to finish in the browser/i.test(text)) {
    return {
      method: 'oauth_browser',
      loginUrl: pickLoginUrl(extractUrls(screen)),
      instructions: 'Finish connecting Aider to OpenRouter in the browser.',
    };
  }
  if (/login to openrouter or create a free account/i.test(text)) {
    return {
      method: 'oauth_browser',
      instructions: 'Aider has no API key. Answer Yes to log in to OpenRouter in the browser, or give the agent a provider API key.',
      options: yesNoOptions(cursorRow(screen).row),
    };
  }
  if (/no llm model was specified and no api keys were provided|missing these environment variables|api key not found|invalid api key|authenticationerror/i.test(text)) {
    return { method: 'api_key', instructions: 'Aider has no usable API key. Give the agent an Anthropic, OpenAI or Gemini key.' };
  }
  return undefined;
}

function detectPrompt(screen: ScreenSnapshot): DetectedPrompt | undefined {
  const { row } = cursorRow(screen);
  const line = row.trim();
  if (!YES_NO.test(line)) return undefined;
  const question = line.replace(YES_NO, '').trim();
  const prompt: DetectedPrompt = {
    kind: /add .* to the chat|create new file|allow edits|run shell command|edit the files|add command output/i.test(question) ? 'permission' : 'unknown',
    question,
    options: yesNoOptions(line),
    fingerprint: `aider:${question}`,
  };
  const auto = AUTO_ANSWERS.find((entry) => entry.pattern.test(question));
  if (auto) prompt.autoAnswer = auto.answer;
  return prompt;
}

function classify(screen: ScreenSnapshot, context: ClassifyContext): ScreenState {
  const prompt = detectPrompt(screen);
  const login = detectLogin(screen);
  if (login && (!prompt || /openrouter/i.test(prompt.question))) return { kind: 'login', login };
  if (prompt) return { kind: 'prompt', prompt };
  const { beforeCursor, row } = cursorRow(screen);
  const atPrompt = PROMPT.test(beforeCursor.trim() + (beforeCursor.endsWith(' ') ? ' ' : '')) && row.trimEnd().length <= beforeCursor.length;
  if (!atPrompt) return screen.text.trim() === '' ? { kind: 'starting' } : { kind: 'busy' };
  if (context.turn) {
    const lines = linesToCursor(screen);
    const echo = findEcho(lines.slice(0, -1), context.turn.message);
    if (echo < 0) return { kind: 'busy' };
  }
  return { kind: 'ready' };
}

function findEcho(lines: readonly string[], message: string): number {
  const probe = message.split('\n')[0].trim().slice(0, 40);
  return lastIndexMatching(lines, new RegExp(`^(?:(?:ask|code|architect)\\s*)?(?:multi\\s*)?>\\s+${escapeRegExp(probe)}`, 'i'));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The reply: after the echoed `> message`, without the token/cost summary and the new prompt. */
function extractReply(capture: ReplyCapture): string {
  const lines = capture.lines;
  const echo = findEcho(lines, capture.message ?? '');
  let body = lines.slice(echo + 1);
  while (body.length > 0 && (body[body.length - 1].trim() === '' || PROMPT.test(body[body.length - 1].trim()))) body = body.slice(0, -1);
  body = body.filter((l) => !/^Tokens: .* sent, .* received/i.test(l.trim()) && !/^Waiting for /i.test(l.trim()));
  return tidy(body);
}

export function createAiderAdapter(): CliAdapter {
  return {
    type: 'aider',
    displayName: 'Aider',
    command: 'aider',
    installHint: 'python -m pip install aider-install && aider-install',
    versionArgs: ['--version'],
    // prompt_toolkit redraws the prompt once; it is plain text otherwise.
    settleMs: 120,
    enterDelayMs: 100,
    defaultArgs: () => [],
    approvalArgs: (preset) => ({ readonly: ['--dry-run'], standard: [], permissive: ['--yes-always'], autonomous: ['--yes-always'] })[preset],
    env: (context) => {
      const env: Record<string, string> = {};
      if (context.credentials.anthropicKey) env.ANTHROPIC_API_KEY = context.credentials.anthropicKey;
      if (context.credentials.openaiKey) env.OPENAI_API_KEY = context.credentials.openaiKey;
      if (context.credentials.googleKey) env.GEMINI_API_KEY = context.credentials.googleKey;
      return env;
    },
    classify,
    // Aider's only browser login is OpenRouter's OAuth page.
    loginTrust: { hosts: ['openrouter.ai'] },
    inputText: (screen) => {
      const { row } = cursorRow(screen);
      const match = /^(?:(?:ask|code|architect|help|context)\s*)?(?:multi\s*)?>\s(.*)$/i.exec(row);
      return match ? match[1].trimEnd() : undefined;
    },
    extractReply,
  };
}
