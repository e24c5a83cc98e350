/**
 * Key names → the bytes a terminal sends for them. The vocabulary is pty-manager's (docs/compatibility.md
 * "Key names"), so `{"keys":"enter"}` from Raven and `["ctrl","c"]` from Parallax both work.
 *
 * Cursor keys depend on the application's mode: a TUI that turns on DECCKM ("application cursor keys")
 * expects `ESC O A` for Up, not `ESC [ A`. A real terminal switches automatically; so do we, given the
 * mode the screen model saw.
 */

export interface KeyContext {
  /** DECCKM (`CSI ? 1 h`) is on. */
  applicationCursorKeys: boolean;
}

const ESC = '\x1b';
const CSI = '\x1b[';

/** Keys with no modifier variants. */
const PLAIN_KEYS: Readonly<Record<string, string>> = {
  enter: '\r',
  tab: '\t',
  'shift+tab': `${CSI}Z`,
  backspace: '\x7f',
  escape: ESC,
  space: ' ',
  // TUIs (Claude, Gemini) take ESC CR as "newline without submitting".
  'shift+enter': `${ESC}\r`,
  'alt+enter': `${ESC}\r`,
  'alt+backspace': `${ESC}\x7f`,
  'ctrl+space': '\x00',
  'ctrl+@': '\x00',
  'ctrl+[': ESC,
  'ctrl+\\': '\x1c',
  'ctrl+]': '\x1d',
  'ctrl+^': '\x1e',
  'ctrl+_': '\x1f',
};

/** Aliases, applied to each `+`-separated part. */
const PART_ALIASES: Readonly<Record<string, string>> = {
  return: 'enter',
  esc: 'escape',
  control: 'ctrl',
  cmd: 'meta',
  command: 'meta',
  opt: 'alt',
  option: 'alt',
  del: 'delete',
  ins: 'insert',
  pgup: 'pageup',
  pgdn: 'pagedown',
  arrowup: 'up',
  arrowdown: 'down',
  arrowleft: 'left',
  arrowright: 'right',
};

const MODIFIERS = ['shift', 'alt', 'ctrl', 'meta'] as const;
type Modifier = (typeof MODIFIERS)[number];

/** xterm's modifier parameter: 1 + shift·1 + alt·2 + ctrl·4 + meta·8. */
function modifierParam(mods: ReadonlySet<Modifier>): number {
  return 1 + (mods.has('shift') ? 1 : 0) + (mods.has('alt') ? 2 : 0) + (mods.has('ctrl') ? 4 : 0) + (mods.has('meta') ? 8 : 0);
}

/** Cursor-style keys: final byte after `CSI 1 ; m` or `SS3`. */
const CURSOR_FINALS: Readonly<Record<string, string>> = { up: 'A', down: 'B', right: 'C', left: 'D', home: 'H', end: 'F' };
/** Tilde keys: `CSI n ~` / `CSI n ; m ~`. */
const TILDE_CODES: Readonly<Record<string, number>> = {
  insert: 2,
  delete: 3,
  pageup: 5,
  pagedown: 6,
  f5: 15,
  f6: 17,
  f7: 18,
  f8: 19,
  f9: 20,
  f10: 21,
  f11: 23,
  f12: 24,
};
/** F1–F4 are SS3 P..S unmodified and `CSI 1 ; m P..S` with modifiers. */
const SS3_FUNCTION_FINALS: Readonly<Record<string, string>> = { f1: 'P', f2: 'Q', f3: 'R', f4: 'S' };

export class UnknownKeyError extends Error {
  constructor(readonly keyName: string) {
    super(`Unknown key name: "${keyName}". Use names like enter, esc, up, ctrl+c, shift+tab, f5, or a single character.`);
    this.name = 'UnknownKeyError';
  }
}

function normalizeParts(name: string): string[] {
  return name
    .trim()
    .toLowerCase()
    .split('+')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part) => PART_ALIASES[part] ?? part);
}

/**
 * Bytes for one key name. A single character (any case) is typed as itself, so `"y"` or `"1"`
 * answers a prompt. Anything else unknown throws {@link UnknownKeyError}: typing an unknown name
 * literally (what pty-manager does) would put words like "ctrl+q" into an agent's input box.
 */
export function keySequence(name: string, context: KeyContext = { applicationCursorKeys: false }): string {
  if ([...name].length === 1) return name;
  if (name === '+') return '+';
  const parts = normalizeParts(name);
  if (parts.length === 0) throw new UnknownKeyError(name);
  const canonical = parts.join('+');
  const plain = PLAIN_KEYS[canonical];
  if (plain !== undefined) return plain;

  const base = parts[parts.length - 1];
  const modifierParts = parts.slice(0, -1);
  const mods = new Set<Modifier>();
  for (const part of modifierParts) {
    if (!(MODIFIERS as readonly string[]).includes(part)) throw new UnknownKeyError(name);
    mods.add(part as Modifier);
  }

  // ctrl+letter → C0 control; alt+letter → ESC letter; ctrl+alt+letter → ESC C0.
  if (base.length === 1 && /[a-z]/.test(base) && !mods.has('shift') && !mods.has('meta')) {
    const control = String.fromCharCode(base.charCodeAt(0) - 96);
    if (mods.has('ctrl') && mods.has('alt')) return ESC + control;
    if (mods.has('ctrl')) return control;
    if (mods.has('alt')) return ESC + base;
  }
  if (base.length === 1 && mods.size === 1 && mods.has('alt')) return ESC + base;
  if (base.length === 1 && mods.size === 1 && mods.has('shift')) return base.toUpperCase();

  const cursorFinal = CURSOR_FINALS[base];
  if (cursorFinal !== undefined) {
    if (mods.size > 0) return `${CSI}1;${modifierParam(mods)}${cursorFinal}`;
    return context.applicationCursorKeys ? `${ESC}O${cursorFinal}` : `${CSI}${cursorFinal}`;
  }
  const tilde = TILDE_CODES[base];
  if (tilde !== undefined) {
    return mods.size > 0 ? `${CSI}${tilde};${modifierParam(mods)}~` : `${CSI}${tilde}~`;
  }
  const ss3 = SS3_FUNCTION_FINALS[base];
  if (ss3 !== undefined) {
    return mods.size > 0 ? `${CSI}1;${modifierParam(mods)}${ss3}` : `${ESC}O${ss3}`;
  }
  if (base === 'tab' && mods.size === 1 && mods.has('shift')) return `${CSI}Z`;
  throw new UnknownKeyError(name);
}

/**
 * Normalises a key list. A bare modifier followed by a key joins it (`["ctrl","c"]` → `ctrl+c`),
 * as pty-manager does; a trailing bare modifier is an error.
 */
export function normalizeKeyList(keys: readonly string[]): string[] {
  const result: string[] = [];
  let pending: string[] = [];
  for (const raw of keys) {
    const name = PART_ALIASES[raw.trim().toLowerCase()] ?? raw.trim().toLowerCase();
    if ((MODIFIERS as readonly string[]).includes(name) && raw.trim().length > 1) {
      pending.push(name);
      continue;
    }
    result.push(pending.length > 0 ? [...pending, raw.trim()].join('+') : raw);
    pending = [];
  }
  if (pending.length > 0) throw new UnknownKeyError(pending.join('+'));
  return result;
}

/** Bytes for a whole key list; throws {@link UnknownKeyError} before producing anything if any name is bad. */
export function keysToSequences(keys: readonly string[], context?: KeyContext): string[] {
  return normalizeKeyList(keys).map((key) => keySequence(key, context));
}

/** Bracketed paste framing (DECSET 2004). */
export const PASTE_START = `${CSI}200~`;
export const PASTE_END = `${CSI}201~`;
