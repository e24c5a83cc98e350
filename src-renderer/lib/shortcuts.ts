/**
 * Keyboard shortcuts. Combinations work everywhere, the terminal included, so they avoid keys a
 * terminal program needs: on macOS they use Cmd (terminals never see it); elsewhere Ctrl+Shift or
 * Alt, the convention of Linux and Windows terminals (a bare Ctrl+N belongs to readline). Single
 * letters work whenever focus is not in a text field or the terminal.
 */

export type ShortcutAction =
  | { id: 'newAgent' }
  | { id: 'nextAgent' }
  | { id: 'previousAgent' }
  | { id: 'gotoAgent'; index: number }
  | { id: 'focusTerminal' }
  | { id: 'settings' }
  | { id: 'find' }
  | { id: 'filter' }
  | { id: 'help' };

function plain(e: KeyboardEvent): boolean {
  return !e.ctrlKey && !e.metaKey && !e.altKey;
}

/** Combinations; `mac` picks the modifier family. */
export function matchCombo(e: KeyboardEvent, mac: boolean): ShortcutAction | undefined {
  const mod = mac ? e.metaKey && !e.ctrlKey : e.ctrlKey && !e.metaKey;
  if (mac ? mod && !e.shiftKey && !e.altKey && e.code === 'KeyN' : mod && e.shiftKey && !e.altKey && e.code === 'KeyN') return { id: 'newAgent' };
  if (e.altKey && !e.ctrlKey && !e.metaKey && !e.shiftKey && e.key === 'ArrowDown') return { id: 'nextAgent' };
  if (e.altKey && !e.ctrlKey && !e.metaKey && !e.shiftKey && e.key === 'ArrowUp') return { id: 'previousAgent' };
  const digit = /^Digit([1-9])$/.exec(e.code);
  if (digit && !e.shiftKey && (mac ? mod && !e.altKey : e.altKey && !e.ctrlKey && !e.metaKey)) return { id: 'gotoAgent', index: Number(digit[1]) - 1 };
  if (e.ctrlKey && !e.metaKey && !e.altKey && !e.shiftKey && e.code === 'Backquote') return { id: 'focusTerminal' };
  if (mod && !e.shiftKey && !e.altKey && e.code === 'Comma') return { id: 'settings' };
  if (mac ? mod && !e.shiftKey && !e.altKey && e.code === 'KeyF' : mod && e.shiftKey && !e.altKey && e.code === 'KeyF') return { id: 'find' };
  if (plain(e) && e.key === 'F1') return { id: 'help' };
  return undefined;
}

/** Single keys, only outside text fields and the terminal. */
export function matchSingleKey(e: KeyboardEvent): ShortcutAction | undefined {
  if (!plain(e)) return undefined;
  switch (e.key) {
    case 'n':
      return { id: 'newAgent' };
    case 'j':
      return { id: 'nextAgent' };
    case 'k':
      return { id: 'previousAgent' };
    case 't':
      return { id: 'focusTerminal' };
    case '/':
      return { id: 'filter' };
    case '?':
      return { id: 'help' };
    default:
      return undefined;
  }
}

/** The help sheet: what, and the keys on this platform. */
export function shortcutHelp(mac: boolean): [string, string[]][] {
  const m = mac ? '⌘' : 'Ctrl+Shift+';
  return [
    ['New agent', [mac ? '⌘N' : 'Ctrl+Shift+N', 'N']],
    ['Next agent', [mac ? '⌥↓' : 'Alt+↓', 'J']],
    ['Previous agent', [mac ? '⌥↑' : 'Alt+↑', 'K']],
    ['Go to agent 1–9', [mac ? '⌘1…⌘9' : 'Alt+1…Alt+9']],
    ['Focus the terminal', ['Ctrl+`', 'T']],
    ['Find in terminal', [`${m}F`]],
    ['Filter agents', ['/']],
    ['Settings', [mac ? '⌘,' : 'Ctrl+,']],
    ['Copy terminal selection', [mac ? '⌘C' : 'Ctrl+Shift+C']],
    ['Send message (in the message box)', ['Enter'], ],
    ['New line in a message', ['Shift+Enter']],
    ['This help', ['?', 'F1']],
  ];
}
