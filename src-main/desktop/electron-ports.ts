import type { AgentHandle, SpawnConfig } from '../../src-shared/agent';
import type { RuntimeEvent } from '../../src-shared/events';
import type { Logger } from '../runtime/logger';
import type { RuntimeConfig } from '../runtime/config';
import type { Autostart } from './autostart';
import type { FetchLike } from './port-conflict';
import type { SettingsService } from './settings/service';
import type { TrayMenuItem, TrayState } from './tray-model';

/**
 * The narrow slices of Electron (and of the runtime and server) that the desktop app uses. The
 * Electron entry (main.ts) adapts the real modules to these; tests pass fakes. Keeping them small
 * is what lets the whole app logic run under plain Node, where Electron's binary is unavailable.
 */

export interface PreventableEvent {
  preventDefault(): void;
}

export interface AppPort {
  requestSingleInstanceLock(): boolean;
  onSecondInstance(listener: () => void): void;
  onBeforeQuit(listener: (event: PreventableEvent) => void): void;
  /** Closing the last window must not quit: the app lives in the tray. */
  onWindowAllClosed(listener: () => void): void;
  /** macOS: the Dock icon or the app was activated. */
  onActivate(listener: () => void): void;
  whenReady(): Promise<void>;
  quit(): void;
  exit(code: number): void;
  /** macOS only: started by the login item. */
  wasOpenedAtLogin(): boolean;
  /** macOS only; no-ops elsewhere. */
  showDock(): void;
  hideDock(): void;
}

export type WindowKind = 'main' | 'agent';

export interface WindowOptions {
  kind: WindowKind;
  title: string;
  width: number;
  height: number;
  minWidth: number;
  minHeight: number;
  /** Shown only once the page painted (no white flash). */
  show: boolean;
  backgroundColor: string;
}

export interface WindowPort {
  readonly webContentsId: number;
  loadURL(url: string): Promise<void>;
  currentURL(): string;
  show(): void;
  hide(): void;
  focus(): void;
  close(): void;
  destroy(): void;
  minimize(): void;
  toggleMaximize(): void;
  restoreIfMinimized(): void;
  isDestroyed(): boolean;
  isVisible(): boolean;
  isFocused(): boolean;
  onClose(listener: (event: PreventableEvent) => void): void;
  onClosed(listener: () => void): void;
  /** focus, blur, show or hide happened. */
  onVisibilityChange(listener: () => void): void;
  onReadyToShow(listener: () => void): void;
  send(channel: string, payload: unknown): void;
}

export interface TrayPort {
  setState(state: TrayState): void;
  setToolTip(text: string): void;
  setMenu(template: TrayMenuItem[]): void;
  /** Left click (Windows, some Linux shells): open the window. */
  onClick(listener: () => void): void;
  destroy(): void;
}

export interface MessageBoxOptions {
  type: 'none' | 'info' | 'error' | 'question' | 'warning';
  title: string;
  message: string;
  detail?: string;
  buttons: string[];
  defaultId?: number;
  cancelId?: number;
}

export interface DialogPort {
  pickFolder(options: { title: string; defaultPath?: string; parent?: WindowPort }): Promise<string | null>;
  messageBox(options: MessageBoxOptions & { parent?: WindowPort }): Promise<number>;
  errorBox(title: string, content: string): void;
}

export interface ConfirmRequest {
  title: string;
  message: string;
  detail?: string;
  /** The button that says yes; the default button and Esc say no. */
  confirmLabel: string;
  parent?: WindowPort;
}

/**
 * A yes/no question to the person in a native dialog (confirmations.ts): used where a request
 * from a page, or text from an agent, must not be enough on its own.
 */
export interface ConfirmPort {
  confirm(request: ConfirmRequest): Promise<boolean>;
}

export interface NotificationPort {
  isSupported(): boolean;
  show(options: { title: string; body?: string; onClick?: () => void }): void;
}

/** Who sent an IPC message: its frame URL (checked against our origin) and its web contents. */
export interface IpcSender {
  url: string | undefined;
  webContentsId: number;
}

export interface IpcPort {
  handle(channel: string, handler: (sender: IpcSender, args: unknown[]) => unknown): void;
}

export interface SecurityPort {
  /**
   * Installs the session-wide guards: deny-by-default permissions, the CSP header for our origin,
   * navigation and window-open guards and no <webview>, for every web contents created from now on.
   * `appOrigin` is read on every check because the port can change at run time.
   */
  install(appOrigin: () => string, openExternal: (url: string) => void): void;
}

/** What the desktop app needs of the AgentManager. */
export interface RuntimeLike {
  readonly config: RuntimeConfig;
  on(listener: (event: RuntimeEvent) => void): () => void;
  list(): AgentHandle[];
  spawn(request: SpawnConfig): Promise<AgentHandle>;
  stop(id: string, options?: { timeoutMs?: number; force?: boolean }): Promise<AgentHandle>;
  stopAll(options?: { timeoutMs?: number }): Promise<void>;
}

/** What `startServer` (src-main/server) returns. */
export interface ServerHandle {
  url: string;
  port: number;
  host: string;
  /** Sends `runtime_stopping` to event subscribers before the agents are stopped. */
  announceStopping?(reason: string): void;
  close(): Promise<void>;
}

export interface ServerStartOptions<R extends RuntimeLike = RuntimeLike> {
  manager: R;
  host: string;
  port: number;
  apiKey?: string;
  allowedOrigins: string[];
  uiDir?: string;
  version: string;
  logger: Logger;
}

/** Generic in the runtime type so the real server gets the real AgentManager without casts. */
export interface DesktopDeps<R extends RuntimeLike = RuntimeLike> {
  platform: NodeJS.Platform;
  argv: readonly string[];
  version: string;
  homeDir: string;
  app: AppPort;
  createWindow(options: WindowOptions): WindowPort;
  createTray(): TrayPort;
  dialog: DialogPort;
  confirm: ConfirmPort;
  notifications: NotificationPort;
  openExternal(url: string): Promise<void>;
  writeClipboard(text: string): void;
  security: SecurityPort;
  ipc: IpcPort;
  settings: SettingsService;
  autostart: Autostart;
  createRuntime(config: RuntimeConfig): R;
  /** The runtime's defaults (data folder, limits) overlaid with the settings. */
  runtimeConfig(overrides: Partial<RuntimeConfig>): RuntimeConfig;
  startServer(options: ServerStartOptions<R>): Promise<ServerHandle>;
  fetch: FetchLike;
  isPortFree(host: string, port: number): Promise<boolean>;
  uiDir: string;
  logger: Logger;
  randomKey(): string;
}
