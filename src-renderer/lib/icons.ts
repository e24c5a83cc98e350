import type { AgentType } from '../../src-shared/agent';
import { h, svg } from './dom';

/** Stroke icons on a 24-unit grid (drawn for this app; 1.75 stroke, round caps, via CSS). */
const PATHS = {
  plus: ['M12 5v14', 'M5 12h14'],
  settings: [
    'M12 15.5a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7z',
    'M19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-1.8-.3 1.7 1.7 0 0 0-1 1.5V21a2 2 0 1 1-4 0v-.1a1.7 1.7 0 0 0-1.1-1.5 1.7 1.7 0 0 0-1.8.3l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1a1.7 1.7 0 0 0 .3-1.8 1.7 1.7 0 0 0-1.5-1H3a2 2 0 1 1 0-4h.1a1.7 1.7 0 0 0 1.5-1.1 1.7 1.7 0 0 0-.3-1.8l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1a1.7 1.7 0 0 0 1.8.3H9a1.7 1.7 0 0 0 1-1.5V3a2 2 0 1 1 4 0v.1a1.7 1.7 0 0 0 1 1.5 1.7 1.7 0 0 0 1.8-.3l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1a1.7 1.7 0 0 0-.3 1.8V9a1.7 1.7 0 0 0 1.5 1H21a2 2 0 1 1 0 4h-.1a1.7 1.7 0 0 0-1.5 1z',
  ],
  stop: ['M7 7h10v10H7z'],
  restart: ['M3 12a9 9 0 1 0 3-6.7', 'M3 4v5h5'],
  external: ['M14 4h6v6', 'M20 4l-9 9', 'M18 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1h5'],
  copy: ['M9 9h11v11H9z', 'M5 15H4V4h11v1'],
  send: ['M4 12l16-8-6 16-3-7z', 'M11 13l9-9'],
  search: ['M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14z', 'M20 20l-4-4'],
  folder: ['M3 7a2 2 0 0 1 2-2h4l2 2h8a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z'],
  history: ['M12 8v4l3 2', 'M3.05 11a9 9 0 1 1 .5 4', 'M3 4v5h5'],
  play: ['M7 5l12 7-12 7z'],
  pause: ['M8 5v14', 'M16 5v14'],
  window: ['M4 5h16v14H4z', 'M4 9h16'],
  key: ['M15 7a4 4 0 1 1-3.9 4.9L4 19v2h3v-2h2v-2h2l1.1-1.1A4 4 0 0 1 15 7z'],
  keyboard: ['M3 6h18v12H3z', 'M7 10h.01M11 10h.01M15 10h.01M7 14h10'],
  close: ['M6 6l12 12', 'M18 6L6 18'],
  check: ['M5 12l5 5 9-10'],
  alert: ['M12 9v4', 'M12 17h.01', 'M10.3 3.9L2 18a2 2 0 0 0 1.7 3h16.6a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z'],
  terminal: ['M4 5h16v14H4z', 'M7 10l3 2-3 2', 'M12 15h5'],
  logs: ['M5 6h14', 'M5 10h14', 'M5 14h10', 'M5 18h7'],
  chevronDown: ['M6 9l6 6 6-6'],
  eye: ['M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12z', 'M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6z'],
  shield: ['M12 3l8 3v6c0 4.5-3.4 8.3-8 9-4.6-.7-8-4.5-8-9V6z'],
} as const;

export type IconName = keyof typeof PATHS;

export function icon(name: IconName, className = 'icon'): SVGSVGElement {
  return svg('0 0 24 24', [...PATHS[name]], className);
}

/** Each agent type gets a coloured tile with a glyph; colours are set per type in CSS. */
const TYPE_GLYPHS: Readonly<Record<AgentType, string>> = {
  'claude-code': '✻',
  codex: '›_',
  'gemini-cli': '✦',
  aider: 'ai',
  custom: '{ }',
  shell: '$',
  echo: '↩',
};

export const TYPE_LABELS: Readonly<Record<AgentType, string>> = {
  'claude-code': 'Claude Code',
  codex: 'Codex',
  'gemini-cli': 'Gemini CLI',
  aider: 'Aider',
  custom: 'Custom command',
  shell: 'Shell',
  echo: 'Echo',
};

export function typeIcon(type: AgentType, size: 'sm' | 'md' | 'lg' = 'md'): HTMLElement {
  return h('span', { class: ['type-icon', `type-${type}`, `type-icon-${size}`], attrs: { 'aria-hidden': 'true' } }, TYPE_GLYPHS[type]);
}
