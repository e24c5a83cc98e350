import { Terminal } from '@xterm/xterm';
import type { ApiClient, TranscriptSummary } from '../api/client';
import { compressIdle, parseCast, parseSize, type Cast } from '../../src-shared/asciicast';
import { h, replaceChildren } from '../lib/dom';
import { duration, shortPath } from '../lib/format';
import { icon, TYPE_LABELS } from '../lib/icons';
import { preferences } from '../lib/preferences';
import { TERMINAL_FONT, xtermTheme } from '../lib/xterm-theme';
import { resolveAgentType } from '../../src-shared/agent';

/**
 * Replays a finished session from its asciicast recording, in an xterm of the recorded size:
 * play/pause, speed, seeking, and idle pauses shortened to IDLE_LIMIT_S. The recording keeps its
 * columns (re-wrapping would change what the agent drew), so the xterm is scaled down to fit the
 * space the page gives the player; that space does not depend on the recording, so the player's
 * height stays put while it plays.
 */

const SPEEDS = [0.5, 1, 2, 4, 8];
/** Pauses longer than this are cut to it when "Skip idle" is on. */
const IDLE_LIMIT_S = 1.5;
const SEEK_STEP_S = 5;

let activePlayer: TranscriptPlayer | undefined;

/** Text of the player's screen (diagnostics and tests). */
export function playerLines(): string[] | undefined {
  const term = activePlayer?.term;
  if (!term) return undefined;
  const out: string[] = [];
  for (let i = 0; i < term.buffer.active.length; i++) out.push(term.buffer.active.getLine(i)?.translateToString(true) ?? '');
  return out;
}

export class TranscriptPlayer {
  readonly element: HTMLElement;
  readonly term: Terminal;
  private readonly screen = h('div', { class: 'player-screen' });
  /** The xterm at its natural size, scaled (CSS transform) to fit `screen`. */
  private readonly canvas = h('div', { class: 'player-canvas' });
  private readonly fitObserver = new ResizeObserver(() => this.fitToScreen());
  private readonly playButton: HTMLButtonElement;
  private readonly seek: HTMLInputElement;
  private readonly clock = h('span', { class: 'player-clock tabular' });
  private readonly speedSelect: HTMLSelectElement;
  private readonly idle: HTMLInputElement;
  private readonly partSelect: HTMLSelectElement;
  private raw: Cast | undefined;
  private cast: Cast | undefined;
  private position = 0;
  private index = 0;
  private playing = false;
  private frame: number | undefined;
  private lastTick = 0;
  private speed = 1;
  private disposed = false;

  constructor(
    private readonly api: ApiClient,
    private readonly meta: TranscriptSummary,
  ) {
    this.term = new Terminal({
      fontFamily: TERMINAL_FONT,
      fontSize: preferences.get().fontSize,
      theme: xtermTheme(preferences.resolvedTheme),
      disableStdin: true,
      cursorBlink: false,
      scrollback: 1000,
      allowProposedApi: true,
    });
    this.playButton = h('button', { class: 'button primary player-play', title: 'Play/pause (Space)', onclick: () => this.toggle() }, icon('play'), 'Play');
    this.seek = h('input', {
      type: 'range',
      class: 'player-seek',
      value: '0',
      attrs: { min: 0, max: 1000, step: 1, 'aria-label': 'Position' },
      oninput: () => this.seekTo((Number(this.seek.value) / 1000) * (this.cast?.duration ?? 0)),
    });
    this.speedSelect = h(
      'select',
      { attrs: { 'aria-label': 'Speed' }, onchange: () => (this.speed = Number(this.speedSelect.value)) },
      SPEEDS.map((s) => h('option', { value: String(s), attrs: { selected: s === 1 } }, `${s}×`)),
    );
    this.idle = h('input', { type: 'checkbox', checked: true, onchange: () => this.applyIdle() });
    this.partSelect = h(
      'select',
      { attrs: { 'aria-label': 'Recording part' }, hidden: meta.parts.length < 2, onchange: () => void this.load(this.partSelect.value) },
      meta.parts.map((p, i) => h('option', { value: p }, `Part ${i + 1}`)),
    );
    const started = new Date(meta.createdAt);
    const ran = meta.stoppedAt ? duration(Date.parse(meta.stoppedAt) - started.getTime()) : 'still running';
    const type = resolveAgentType(meta.type);
    this.element = h(
      'section',
      {
        class: 'player',
        tabIndex: -1,
        onkeydown: (event) => this.onKey(event),
      },
      h(
        'header',
        { class: 'player-header' },
        h('h1', {}, meta.name),
        h(
          'div',
          { class: 'agent-meta' },
          h('span', {}, type ? TYPE_LABELS[type] : meta.type),
          h('span', { title: meta.workdir }, icon('folder', 'icon small'), shortPath(meta.workdir)),
          h('span', {}, started.toLocaleString()),
          h('span', {}, ran),
          meta.exitCode !== undefined ? h('span', {}, meta.exitCode === null ? 'stopped' : `exit code ${meta.exitCode}`) : null,
        ),
      ),
      this.screen,
      h(
        'div',
        { class: 'player-controls' },
        this.playButton,
        this.seek,
        this.clock,
        h('label', { class: 'check small' }, this.idle, 'Skip idle'),
        this.speedSelect,
        this.partSelect,
      ),
    );
    activePlayer = this;
  }

  /** Call once the element is in the document. */
  async start(): Promise<void> {
    this.screen.appendChild(this.canvas);
    this.term.open(this.canvas);
    this.term.onResize(() => this.fitToScreen());
    this.fitObserver.observe(this.screen);
    this.fitObserver.observe(this.canvas);
    await this.load(this.meta.parts[this.meta.parts.length - 1] ?? this.meta.parts[0]);
  }

  private async load(part: string | undefined): Promise<void> {
    this.pause();
    if (!part) {
      this.showProblem('This session has no recording.');
      return;
    }
    try {
      this.raw = parseCast(await this.api.transcriptPart(this.meta.id, part));
    } catch (error) {
      this.showProblem(error instanceof Error ? error.message : String(error));
      return;
    }
    this.partSelect.value = part;
    this.applyIdle();
    this.play();
  }

  /** Scale the recording's screen down (never up) to the player's width and height. */
  private fitToScreen(): void {
    const width = this.canvas.offsetWidth;
    const height = this.canvas.offsetHeight;
    const style = getComputedStyle(this.screen);
    const availableWidth = this.screen.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const availableHeight = this.screen.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
    if (width === 0 || height === 0 || availableWidth <= 0 || availableHeight <= 0) return;
    const scale = Math.min(1, availableWidth / width, availableHeight / height);
    this.canvas.style.transform = scale < 1 ? `scale(${scale})` : '';
    this.screen.dataset.scale = scale.toFixed(3);
    this.screen.title = scale < 1 ? `Shown at ${Math.round(scale * 100)}% to fit (${this.term.cols}×${this.term.rows} recording)` : '';
  }

  private showProblem(message: string): void {
    replaceChildren(this.screen, h('div', { class: 'empty-state small' }, icon('alert', 'icon large'), h('p', {}, message)));
    this.playButton.disabled = true;
  }

  private applyIdle(): void {
    if (!this.raw) return;
    const fraction = this.cast && this.cast.duration > 0 ? this.position / this.cast.duration : 0;
    this.cast = this.idle.checked ? compressIdle(this.raw, IDLE_LIMIT_S) : this.raw;
    this.seekTo(fraction * this.cast.duration);
  }

  toggle(): void {
    if (this.playing) this.pause();
    else this.play();
  }

  play(): void {
    if (!this.cast || this.playing) return;
    if (this.position >= this.cast.duration) this.seekTo(0);
    this.playing = true;
    this.lastTick = performance.now();
    replaceChildren(this.playButton, icon('pause'), 'Pause');
    this.frame = requestAnimationFrame((t) => this.tick(t));
  }

  pause(): void {
    this.playing = false;
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    replaceChildren(this.playButton, icon('play'), 'Play');
  }

  private tick(now: number): void {
    if (!this.playing || !this.cast || this.disposed) return;
    this.position = Math.min(this.cast.duration, this.position + ((now - this.lastTick) / 1000) * this.speed);
    this.lastTick = now;
    this.writeUntil(this.position);
    this.renderClock();
    if (this.position >= this.cast.duration) {
      this.pause();
      return;
    }
    this.frame = requestAnimationFrame((t) => this.tick(t));
  }

  private writeUntil(time: number): void {
    const cast = this.cast;
    if (!cast) return;
    let chunk = '';
    while (this.index < cast.events.length && cast.events[this.index].time <= time) {
      const event = cast.events[this.index++];
      if (event.code === 'o') chunk += event.data;
      else if (event.code === 'r') {
        const size = parseSize(event.data);
        if (chunk) this.term.write(chunk);
        chunk = '';
        if (size) this.term.resize(size.cols, size.rows);
      }
    }
    if (chunk) this.term.write(chunk);
  }

  /** Seeking back replays from the start at once: output is cheap, and it keeps the screen exact. */
  seekTo(time: number): void {
    const cast = this.cast;
    if (!cast) return;
    const target = Math.max(0, Math.min(time, cast.duration));
    if (target < this.position || this.index === 0) {
      this.term.reset();
      this.term.resize(cast.header.width, cast.header.height);
      this.index = 0;
    }
    this.position = target;
    this.writeUntil(target);
    this.renderClock();
  }

  private renderClock(): void {
    const total = this.cast?.duration ?? 0;
    this.clock.textContent = `${duration(this.position * 1000)} / ${duration(total * 1000)}`;
    this.seek.value = String(total > 0 ? Math.round((this.position / total) * 1000) : 0);
  }

  private onKey(event: KeyboardEvent): void {
    if (event.target instanceof HTMLInputElement && event.target.type !== 'range') return;
    if (event.key === ' ') {
      event.preventDefault();
      this.toggle();
    } else if (event.key === 'ArrowRight') {
      event.preventDefault();
      this.seekTo(this.position + SEEK_STEP_S);
    } else if (event.key === 'ArrowLeft') {
      event.preventDefault();
      this.seekTo(this.position - SEEK_STEP_S);
    }
  }

  dispose(): void {
    this.disposed = true;
    this.fitObserver.disconnect();
    this.pause();
    this.term.dispose();
    if (activePlayer === this) activePlayer = undefined;
  }
}
