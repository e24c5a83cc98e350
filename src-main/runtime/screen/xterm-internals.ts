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

function core(terminal: Terminal): { _bufferService?: unknown; _charsetService?: unknown } | undefined {
  return (terminal as unknown as { _core?: { _bufferService?: unknown; _charsetService?: unknown } })._core;
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
