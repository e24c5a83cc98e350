import type { Terminal } from '@xterm/headless';

/**
 * The few private parts of xterm.js the screen model reads, in one place. The package is pinned
 * (@xterm/headless 6.0.0) and the screen-model tests fail if any of these moves, so an upgrade
 * cannot break them silently.
 */

export interface InternalBufferLine {
  translateToString(trimRight?: boolean): string;
  isWrapped: boolean;
}

export interface InternalBuffer {
  ybase: number;
  /** Cursor column; equals `cols` while a wrap is pending. */
  x: number;
  /** Cursor row, relative to the top of the screen. */
  y: number;
  scrollTop: number;
  scrollBottom: number;
  /** Columns that are tab stops. */
  tabs: Record<number, boolean | undefined>;
  lines: { get(index: number): InternalBufferLine | undefined };
}

export interface InternalBufferService {
  buffer: InternalBuffer;
  scroll(eraseAttr: unknown, isWrapped?: boolean): void;
}

interface InternalCore {
  _bufferService?: unknown;
  _charsetService?: unknown;
  unicodeService?: unknown;
}

function core(terminal: Terminal): InternalCore | undefined {
  return (terminal as unknown as { _core?: InternalCore })._core;
}

/** xterm's buffer service, or undefined if this xterm does not have one. */
export function internalBufferService(terminal: Terminal): InternalBufferService | undefined {
  const service = core(terminal)?._bufferService as Partial<InternalBufferService> | undefined;
  if (!service || typeof service.scroll !== 'function' || typeof service.buffer !== 'object') return undefined;
  return service as InternalBufferService;
}

/**
 * Whether printable ASCII is printed as itself: false while a character set such as DEC line
 * drawing is invoked (ESC ( 0 makes `q` print as `─`), or if this xterm hides its charset service.
 */
export function printsAsciiAsIs(terminal: Terminal): boolean {
  const charsets = core(terminal)?._charsetService as { charset?: unknown; setgLevel?: unknown } | undefined;
  // `charset` stays unset until a character set is designated and invoked.
  return typeof charsets?.setgLevel === 'function' && charsets.charset === undefined;
}

/**
 * The cells xterm gives a code point (its active Unicode version's table: 0, 1 or 2), or undefined
 * if this xterm hides its Unicode service.
 */
export function internalCharWidth(terminal: Terminal): ((codePoint: number) => number) | undefined {
  const unicode = core(terminal)?.unicodeService as { wcwidth?: (codePoint: number) => number } | undefined;
  const wcwidth = unicode?.wcwidth;
  return typeof wcwidth === 'function' ? wcwidth.bind(unicode) : undefined;
}
