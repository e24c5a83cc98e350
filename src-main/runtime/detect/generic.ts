import type { LoginInfo } from '../../../src-shared/agent';
import type { DetectedPrompt, ScreenState } from '../adapters/types';
import type { ScreenSnapshot } from '../screen/screen-model';
import { extractDeviceCode, extractUrls, pickLoginUrl } from './login';
import { menuOptions, parseNumberedMenu, yesNoOptions } from './options';

/**
 * Detection for programs we know nothing about (`custom`, `shell`): a shell-style prompt at the
 * cursor means ready; a login URL, a y/n question or a numbered menu near the cursor means the
 * program wants something. Known CLIs have their own, stricter adapters.
 */

/** The row the cursor is on, and the text before the cursor. */
export function cursorRow(screen: ScreenSnapshot): { row: string; beforeCursor: string } {
  const row = screen.rowTexts[screen.cursorY] ?? '';
  return { row, beforeCursor: row.slice(0, screen.cursorX) };
}

const SHELL_PROMPT_END = /[$#%>❯➜»]\s?$/;

/** A shell-style prompt with the cursor right after it and nothing typed yet. */
export function atShellPrompt(screen: ScreenSnapshot): boolean {
  const { row, beforeCursor } = cursorRow(screen);
  if (row.trimEnd().length > beforeCursor.length) return false; // something typed after the cursor
  return SHELL_PROMPT_END.test(beforeCursor) && beforeCursor.trim().length > 0;
}

/** The lines from the top of the screen to the cursor row (what a program printed most recently). */
export function linesToCursor(screen: ScreenSnapshot): string[] {
  return screen.rowTexts.slice(0, screen.cursorY + 1);
}

function nonEmptyTail(lines: readonly string[], count: number): string[] {
  return lines.filter((line) => line.trim() !== '').slice(-count);
}

const LOGIN_WORDS = /\b(log ?in|sign ?in|authenticat\w*|authori[sz]\w*|device code|one-time code|verification)\b/i;

/** A login URL or device code near the cursor, worded as a login. */
export function genericLogin(screen: ScreenSnapshot): LoginInfo | undefined {
  const recent = nonEmptyTail(linesToCursor(screen), 12);
  if (!recent.some((line) => LOGIN_WORDS.test(line))) return undefined;
  const urls = extractUrls(screen);
  const deviceCode = extractDeviceCode(recent);
  const loginUrl = pickLoginUrl(urls);
  if (!loginUrl && !deviceCode) return undefined;
  return {
    method: deviceCode ? 'device_code' : 'oauth_browser',
    loginUrl,
    deviceCode,
    instructions: deviceCode
      ? `Open ${loginUrl ?? 'the login page'} and enter the code ${deviceCode}.`
      : `Open ${loginUrl} in a browser to sign in.`,
  };
}

/** A question at the cursor: a numbered menu, a y/n prompt or a line ending in '?'. */
export function genericPrompt(screen: ScreenSnapshot): DetectedPrompt | undefined {
  const recent = nonEmptyTail(linesToCursor(screen), 12);
  const menu = parseNumberedMenu(recent);
  if (menu) {
    const question = recent.slice(0, menu.firstLine).reverse().find((line) => line.trim() !== '') ?? 'Choose an option';
    const options = menuOptions(menu, 'arrows');
    return { kind: 'unknown', question: question.trim(), options, fingerprint: `menu:${question.trim()}:${options.length}` };
  }
  const last = recent[recent.length - 1]?.trim() ?? '';
  const yesNo = yesNoOptions(last);
  if (yesNo) return { kind: 'unknown', question: last, options: yesNo, fingerprint: `yn:${last}` };
  if (/\?\s*$/.test(last) && last.length < 200) {
    return { kind: 'unknown', question: last, options: [], fingerprint: `q:${last}` };
  }
  return undefined;
}

/**
 * Classification for an unknown program. A quiet screen with no prompt of any kind counts as
 * ready only after `quietReadyMs`: the fixed-wait approach we avoid for known CLIs, kept as the
 * last resort for programs that print no recognisable prompt.
 */
export function classifyGeneric(screen: ScreenSnapshot, quietMs: number, quietReadyMs: number): ScreenState {
  // A shell prompt at the cursor means whatever printed a login above it has finished.
  if (atShellPrompt(screen)) return { kind: 'ready' };
  const login = genericLogin(screen);
  if (login) return { kind: 'login', login };
  const prompt = genericPrompt(screen);
  if (prompt) return { kind: 'prompt', prompt };
  if (screen.text.trim() !== '' && quietMs >= quietReadyMs) return { kind: 'ready' };
  return { kind: screen.text.trim() === '' ? 'starting' : 'busy' };
}

/**
 * Reply of a shell-style turn: the lines after the one that echoed the command, up to the prompt
 * that came back.
 */
export function extractShellReply(lines: readonly string[], message: string | undefined): string {
  let start = 0;
  let promptText = '';
  if (message) {
    const firstLine = message.split('\n')[0].trim();
    for (let i = lines.length - 1; i >= 0; i--) {
      const at = firstLine === '' ? -1 : lines[i].indexOf(firstLine);
      if (at >= 0) {
        start = i + 1;
        promptText = lines[i].slice(0, at).trimEnd();
        break;
      }
    }
  }
  const body = lines.slice(start).map((line) => line.trimEnd());
  while (body.length > 0 && body[body.length - 1] === '') body.pop();
  // The prompt that came back ends the turn. Output without a final newline shares its row
  // (`abcbash-5.2$`), so only the prompt itself is cut off that row.
  const last = body.length - 1;
  if (last >= 0) {
    if (promptText !== '' && body[last].endsWith(promptText)) body[last] = body[last].slice(0, body[last].length - promptText.length);
    else if (SHELL_PROMPT_END.test(body[last])) body[last] = '';
  }
  return body.join('\n').trim();
}
