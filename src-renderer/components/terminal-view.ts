import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import { WebLinksAddon } from '@xterm/addon-web-links';
import type { WebglAddon } from '@xterm/addon-webgl';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import type { AgentHandle } from '../../src-shared/agent';
import type { ApiClient } from '../api/client';
import { TerminalSocket, type TerminalSocketEnd } from '../api/terminal-socket';
import { h } from '../lib/dom';
import { icon } from '../lib/icons';
import { preferences } from '../lib/preferences';
import { TERMINAL_FONT, xtermTheme } from '../lib/xterm-theme';

/**
 * One agent's live terminal: xterm.js attached to the runtime's terminal socket. It stays alive
 * (socket and scrollback) while hidden, so switching agents is instant; the WebGL renderer runs
 * only while it is on screen, because browsers cap live WebGL contexts (~16) and each costs GPU
 * memory.
 */

/** Reconnect backoff after a lost socket (not after the agent stopped). */
const RECONNECT_MS = [250, 1_000, 2_000, 5_000];
/** Resize frames are coalesced: dragging a window edge fires dozens per second. */
const RESIZE_DEBOUNCE_MS = 60;

/** Tells other windows of this app which view took control of an agent's terminal. */
const controlChannel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('raven-terminal-control') : undefined;
/** Unique across windows: every window counts its views from 1. */
const windowId = crypto.randomUUID();
let nextViewId = 1;

export interface TerminalViewOptions {
  api: ApiClient;
  agentId: string;
  openLink(url: string): void;
  /** Whether a key event is an app shortcut that the terminal must let through. */
  isAppShortcut(event: KeyboardEvent): boolean;
  /** Log lines to show when the agent has already stopped (its screen is gone). */
  finalLines(): Promise<string[]>;
}

export class TerminalView {
  readonly element: HTMLElement;
  readonly term: Terminal;
  private readonly host: HTMLElement;
  private readonly overlay: HTMLElement;
  private readonly overlayText: HTMLElement;
  private readonly readOnlyBadge: HTMLElement;
  private readonly searchBar: HTMLElement;
  private readonly searchInput: HTMLInputElement;
  private readonly searchCount: HTMLElement;
  private readonly fit = new FitAddon();
  private readonly search = new SearchAddon();
  private webgl: WebglAddon | undefined;
  private webglLoading = false;
  private readonly socket: TerminalSocket;
  private readonly resizeObserver: ResizeObserver;
  private readonly viewId = `${windowId}:${nextViewId++}`;
  private visible = false;
  private opened = false;
  private ended: TerminalSocketEnd | undefined;
  private reconnects = 0;
  private reconnectTimer: number | undefined;
  private resizeTimer: number | undefined;
  private readOnly = false;
  private disposed = false;
  private lastSize = { cols: 0, rows: 0 };
  private readonly unsubscribePrefs: () => void;
  private readonly onControlMessage = (event: MessageEvent<{ agentId: string; viewId: string }>) => {
    // Another window (a pop-out, a second main window) took control of this agent's terminal.
    if (event.data.agentId === this.options.agentId && event.data.viewId !== this.viewId) this.setReadOnly(true);
  };

  constructor(private readonly options: TerminalViewOptions) {
    const prefs = preferences.get();
    this.term = new Terminal({
      fontFamily: TERMINAL_FONT,
      fontSize: prefs.fontSize,
      scrollback: prefs.scrollback,
      theme: xtermTheme(preferences.resolvedTheme),
      cursorBlink: true,
      allowProposedApi: true, // the unicode11 addon uses the proposed unicode API
      macOptionIsMeta: true,
      rightClickSelectsWord: true,
      drawBoldTextInBrightColors: false,
      // OSC 8 hyperlinks from agents: http(s) only, through the same guard as plain links.
      linkHandler: { activate: (_event, text) => this.options.openLink(text), allowNonHttpProtocols: false },
    });
    this.term.loadAddon(this.fit);
    this.term.loadAddon(this.search);
    this.term.loadAddon(new WebLinksAddon((_event, uri) => this.options.openLink(uri)));
    this.term.loadAddon(new Unicode11Addon());
    this.term.unicode.activeVersion = '11';

    this.host = h('div', { class: 'terminal-host' });
    this.overlayText = h('span', {}, 'Connecting…');
    this.overlay = h('div', { class: 'terminal-overlay', attrs: { role: 'status' } }, h('span', { class: 'spinner' }), this.overlayText);
    this.readOnlyBadge = h(
      'button',
      {
        class: 'terminal-readonly',
        hidden: true,
        title: 'Another window controls this terminal. Click (or just type) to take control here.',
        onclick: () => this.takeControl(),
      },
      icon('eye'),
      'View only — take control',
    );
    this.searchInput = h('input', {
      type: 'search',
      placeholder: 'Find in terminal',
      attrs: { 'aria-label': 'Find in terminal' },
      oninput: () => this.findNext(true),
      onkeydown: (event) => {
        if (event.key === 'Enter') {
          event.preventDefault();
          if (event.shiftKey) this.findPrevious();
          else this.findNext(false);
        } else if (event.key === 'Escape') {
          event.preventDefault();
          this.closeSearch();
        }
      },
    });
    this.searchCount = h('span', { class: 'search-count', attrs: { 'aria-live': 'polite' } });
    this.searchBar = h(
      'div',
      { class: 'terminal-search', hidden: true },
      icon('search'),
      this.searchInput,
      this.searchCount,
      h('button', { class: 'icon-button', title: 'Previous match (Shift+Enter)', onclick: () => this.findPrevious() }, '↑'),
      h('button', { class: 'icon-button', title: 'Next match (Enter)', onclick: () => this.findNext(false) }, '↓'),
      h('button', { class: 'icon-button', title: 'Close (Esc)', onclick: () => this.closeSearch() }, icon('close')),
    );
    this.element = h('div', { class: 'terminal-view', dataset: { agentId: options.agentId } }, this.host, this.overlay, this.readOnlyBadge, this.searchBar);

    this.search.onDidChangeResults(({ resultIndex, resultCount }) => {
      this.searchCount.textContent = resultCount === 0 ? 'No matches' : `${resultIndex + 1} of ${resultCount}`;
    });
    this.term.attachCustomKeyEventHandler((event) => {
      if (event.type === 'keydown' && this.options.isAppShortcut(event)) return false;
      if (event.type === 'keydown' && isCopyShortcut(event) && this.term.hasSelection()) {
        void navigator.clipboard?.writeText(this.term.getSelection());
        return false;
      }
      return true;
    });
    this.term.onData((data) => this.sendInput(data));
    this.term.onBinary((data) => this.sendInput(data));
    this.term.onResize(({ cols, rows }) => this.scheduleResize(cols, rows));

    this.socket = new TerminalSocket(options.api, options.agentId, {
      open: () => {
        this.reconnects = 0;
        this.ended = undefined;
        // The server replays the current screen on attach; start from a clean terminal.
        this.term.reset();
        this.hideOverlay();
        this.lastSize = { cols: 0, rows: 0 };
        this.scheduleResize(this.term.cols, this.term.rows, 0);
      },
      output: (data) => this.term.write(data),
      control: (frame) => {
        if (frame.type === 'mode') this.setReadOnly(frame.mode === 'read-only');
        if (frame.type === 'connected') this.setReadOnly(frame.mode === 'read-only');
      },
      end: (reason) => this.onEnd(reason),
    });
    this.resizeObserver = new ResizeObserver(() => this.refit());
    this.resizeObserver.observe(this.host);
    this.unsubscribePrefs = preferences.subscribe((prefs) => {
      this.term.options.theme = xtermTheme(preferences.resolvedTheme);
      this.term.options.fontSize = prefs.fontSize;
      this.term.options.scrollback = prefs.scrollback;
      this.refit();
    });
    controlChannel?.addEventListener('message', this.onControlMessage);
  }

  get agentId(): string {
    return this.options.agentId;
  }

  get size(): { cols: number; rows: number } {
    return { cols: this.term.cols, rows: this.term.rows };
  }

  /** The terminal's text, one string per line of the active buffer (diagnostics and tests). */
  lines(): string[] {
    const buffer = this.term.buffer.active;
    const out: string[] = [];
    for (let i = 0; i < buffer.length; i++) out.push(buffer.getLine(i)?.translateToString(true) ?? '');
    return out;
  }

  /** Opens xterm in the DOM (once it is attached, so it can measure) and connects. */
  mount(): void {
    if (this.opened || this.disposed) return;
    this.opened = true;
    this.term.open(this.host);
    this.refit();
    this.connect();
  }

  private connect(): void {
    window.clearTimeout(this.reconnectTimer);
    this.host.removeAttribute('aria-label');
    this.showOverlay('Connecting…', true);
    this.announceControl();
    this.socket.connect('control');
  }

  /** Our connection takes control; other views of this agent in this app become view-only. */
  private announceControl(): void {
    this.setReadOnly(false);
    controlChannel?.postMessage({ agentId: this.options.agentId, viewId: this.viewId });
  }

  takeControl(): void {
    if (this.ended?.kind === 'stopped') return;
    this.connect();
    this.focus();
  }

  private sendInput(data: string): void {
    if (this.readOnly) {
      // Typing into a view-only terminal means "I want to use this one": take over, then send.
      this.connect();
    }
    this.socket.input(data);
  }

  private setReadOnly(readOnly: boolean): void {
    this.readOnly = readOnly;
    this.readOnlyBadge.hidden = !readOnly;
    this.element.classList.toggle('is-readonly', readOnly);
  }

  private scheduleResize(cols: number, rows: number, delay = RESIZE_DEBOUNCE_MS): void {
    window.clearTimeout(this.resizeTimer);
    this.resizeTimer = window.setTimeout(() => {
      if (cols === this.lastSize.cols && rows === this.lastSize.rows) return;
      if (!this.socket.isOpen || this.readOnly) return;
      this.lastSize = { cols, rows };
      this.socket.resize(cols, rows);
    }, delay);
  }

  /** Fits the terminal to its panel; only while visible (a hidden panel measures 0×0). */
  refit(): void {
    if (!this.opened || !this.visible || this.disposed) return;
    const { clientWidth, clientHeight } = this.host;
    if (clientWidth < 20 || clientHeight < 20) return;
    try {
      this.fit.fit();
    } catch {
      // The renderer is not ready yet (first frame); the next resize event fits.
    }
  }

  setVisible(visible: boolean): void {
    if (this.visible === visible) return;
    this.visible = visible;
    this.element.classList.toggle('is-visible', visible);
    if (visible) {
      this.mount();
      this.refit();
      void this.enableWebgl();
    } else {
      this.disableWebgl();
    }
  }

  private async enableWebgl(): Promise<void> {
    if (this.webgl || this.webglLoading || !this.opened || !webglAvailable()) return;
    this.webglLoading = true;
    try {
      // Loaded on first use: most sessions never need the extra ~100 KB until a terminal shows.
      const { WebglAddon } = await import('@xterm/addon-webgl');
      if (!this.visible || this.disposed || this.webgl) return;
      const addon = new WebglAddon();
      addon.onContextLoss(() => this.disableWebgl());
      this.term.loadAddon(addon);
      this.webgl = addon;
      this.element.dataset.renderer = 'webgl';
    } catch {
      // No WebGL (remote desktop, blocklisted GPU): the DOM renderer is the fallback.
      this.element.dataset.renderer = 'dom';
    } finally {
      this.webglLoading = false;
    }
  }

  private disableWebgl(): void {
    const addon = this.webgl;
    this.webgl = undefined;
    if (addon) {
      try {
        addon.dispose();
      } catch {
        // A lost context may already be gone.
      }
    }
    this.element.dataset.renderer = 'dom';
  }

  private onEnd(reason: TerminalSocketEnd): void {
    this.ended = reason;
    switch (reason.kind) {
      case 'stopped':
        // No overlay: it would sit on the screen's first lines, and the agent view's stopped banner
        // already says so. Assistive technology still hears what it is looking at.
        this.hideOverlay();
        this.host.setAttribute('aria-label', 'Last screen of the stopped agent');
        if (this.term.buffer.active.length <= this.term.rows && this.lines().every((l) => l.trim() === '')) void this.showFinalLines();
        return;
      case 'not-found':
        this.showOverlay('This agent is no longer known to the runtime.', false);
        return;
      case 'too-slow':
        // The server dropped us for falling behind (a flood while the tab slept): a fresh screen.
        this.connect();
        return;
      case 'lost': {
        const delay = RECONNECT_MS[Math.min(this.reconnects, RECONNECT_MS.length - 1)];
        this.reconnects++;
        this.showOverlay('Connection lost — reconnecting…', true);
        this.reconnectTimer = window.setTimeout(() => this.connect(), delay);
      }
    }
  }

  /** For an agent that stopped before this view opened: show what its logs kept. */
  private async showFinalLines(): Promise<void> {
    try {
      const lines = await this.options.finalLines();
      if (lines.length > 0) this.term.write(lines.join('\r\n'));
    } catch {
      // The overlay already says it stopped.
    }
  }

  /** The agent changed; a restarted (same id) agent gets a new connection. */
  update(agent: AgentHandle): void {
    if (this.ended?.kind === 'stopped' && agent.status !== 'stopped' && agent.status !== 'error') this.connect();
  }

  private showOverlay(text: string, busy: boolean): void {
    this.overlayText.textContent = text;
    this.overlay.classList.toggle('is-busy', busy);
    this.overlay.hidden = false;
  }

  private hideOverlay(): void {
    this.overlay.hidden = true;
  }

  focus(): void {
    if (!this.opened) this.mount();
    this.term.focus();
  }

  openSearch(): void {
    this.searchBar.hidden = false;
    const selection = this.term.getSelection();
    if (selection && !selection.includes('\n')) this.searchInput.value = selection;
    this.searchInput.focus();
    this.searchInput.select();
  }

  private findNext(incremental: boolean): void {
    const query = this.searchInput.value;
    if (query === '') {
      this.search.clearDecorations();
      this.searchCount.textContent = '';
      return;
    }
    this.search.findNext(query, { incremental, decorations: searchDecorations() });
  }

  private findPrevious(): void {
    if (this.searchInput.value !== '') this.search.findPrevious(this.searchInput.value, { decorations: searchDecorations() });
  }

  private closeSearch(): void {
    this.searchBar.hidden = true;
    this.search.clearDecorations();
    this.term.focus();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    window.clearTimeout(this.reconnectTimer);
    window.clearTimeout(this.resizeTimer);
    controlChannel?.removeEventListener('message', this.onControlMessage);
    this.unsubscribePrefs();
    this.resizeObserver.disconnect();
    this.socket.disconnect();
    this.disableWebgl();
    this.term.dispose();
    this.element.remove();
  }
}

function isCopyShortcut(event: KeyboardEvent): boolean {
  // Ctrl+Shift+C on Linux/Windows (Ctrl+C belongs to the program); Cmd+C works natively on macOS.
  return event.ctrlKey && event.shiftKey && !event.altKey && event.code === 'KeyC';
}

function searchDecorations() {
  return {
    matchOverviewRuler: '#e6c26e',
    activeMatchColorOverviewRuler: '#f5a524',
    matchBackground: '#e6c26e66',
    activeMatchBackground: '#f5a524',
  };
}

let webglSupport: boolean | undefined;
function webglAvailable(): boolean {
  if (webglSupport === undefined) {
    try {
      const gl = document.createElement('canvas').getContext('webgl2');
      webglSupport = Boolean(gl);
      // Give the probe's context back at once: browsers cap live contexts.
      gl?.getExtension('WEBGL_lose_context')?.loseContext();
    } catch {
      webglSupport = false;
    }
  }
  return webglSupport;
}
