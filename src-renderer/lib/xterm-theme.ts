import type { ITheme } from '@xterm/xterm';
import type { ResolvedTheme } from './preferences';

/**
 * Terminal palettes matched to the app's surfaces. ANSI colours are tuned for contrast on each
 * background (WCAG AA for the normal colours on the terminal background).
 */
const DARK: ITheme = {
  background: '#111216',
  foreground: '#d8dae0',
  cursor: '#e6e7eb',
  cursorAccent: '#111216',
  selectionBackground: '#3b4a6b',
  black: '#1c1d22',
  red: '#f0707a',
  green: '#7fcf8e',
  yellow: '#e6c26e',
  blue: '#74a7f5',
  magenta: '#c99af0',
  cyan: '#6fd0d8',
  white: '#d8dae0',
  brightBlack: '#6b6f7a',
  brightRed: '#ff8e96',
  brightGreen: '#9be3a8',
  brightYellow: '#f5d68a',
  brightBlue: '#99c0ff',
  brightMagenta: '#dcb6ff',
  brightCyan: '#93e4ea',
  brightWhite: '#ffffff',
};

const LIGHT: ITheme = {
  background: '#ffffff',
  foreground: '#24262d',
  cursor: '#24262d',
  cursorAccent: '#ffffff',
  selectionBackground: '#c7d8f7',
  black: '#24262d',
  red: '#c0293b',
  green: '#1f7a34',
  yellow: '#8a6100',
  blue: '#1f5fc4',
  magenta: '#8b3fb8',
  cyan: '#0f7480',
  white: '#8c8f99',
  brightBlack: '#5c606b',
  brightRed: '#d8384b',
  brightGreen: '#268c3e',
  brightYellow: '#a07200',
  brightBlue: '#2c6fdb',
  brightMagenta: '#9c4fc9',
  brightCyan: '#138694',
  brightWhite: '#24262d',
};

export function xtermTheme(theme: ResolvedTheme): ITheme {
  return theme === 'dark' ? DARK : LIGHT;
}

export const TERMINAL_FONT = "ui-monospace, 'SF Mono', SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', monospace";
