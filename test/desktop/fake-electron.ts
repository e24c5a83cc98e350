import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * A stand-in for the `electron` module, for booting src-main/desktop/main.ts under plain Node
 * (vi.mock('electron')). It implements what main.ts uses, records what the app did, and behaves
 * like Electron where it matters to the app: `quit()` emits a cancellable `before-quit`, windows
 * emit `ready-to-show` after their first load, and `loadURL` really fetches the page (so the test
 * sees the in-process server answer).
 */

export interface Preventable {
  defaultPrevented: boolean;
  preventDefault(): void;
}

function preventable(): Preventable {
  const event = {
    defaultPrevented: false,
    preventDefault() {
      event.defaultPrevented = true;
    },
  };
  return event;
}

export interface LoadResult {
  url: string;
  status: number;
  contentType: string;
  body: string;
}

export const state = {
  root: '',
  userData: '',
  home: '',
  lock: true,
  quitted: false,
  quitCalls: 0,
  exitCode: undefined as number | undefined,
  windows: [] as FakeBrowserWindow[],
  trays: [] as FakeTray[],
  images: [] as { file: string; template: boolean; exists: boolean }[],
  notifications: [] as FakeNotification[],
  openedExternal: [] as string[],
  clipboard: [] as string[],
  errorBoxes: [] as { title: string; content: string }[],
  messageBoxes: [] as { message: string; buttons: string[] }[],
  ipcHandlers: new Map<string, (event: { senderFrame: { url: string } | null; sender: { id: number } }, ...args: unknown[]) => unknown>(),
  permissionRequest: undefined as undefined | ((contents: unknown, permission: string, callback: (ok: boolean) => void, details: { requestingUrl?: string }) => void),
  headersReceived: undefined as
    | undefined
    | ((details: { url: string; resourceType: string; responseHeaders?: Record<string, string[]> }, callback: (r: { responseHeaders?: Record<string, string[]> }) => void) => void),
  loads: [] as LoadResult[],
  /** The session cookie a page load received (the runtime's key-mode cookie). */
  cookie: '' as string,
  quitWaiters: [] as (() => void)[],
};

class FakeApp extends EventEmitter {
  isPackaged = true;
  dock = undefined;
  private readyResolve!: () => void;
  private readonly ready = new Promise<void>((resolve) => (this.readyResolve = resolve));

  constructor() {
    super();
    // Electron becomes ready on its own shortly after start.
    setTimeout(() => this.readyResolve(), 10);
  }
  requestSingleInstanceLock(): boolean {
    return state.lock;
  }
  whenReady(): Promise<void> {
    return this.ready;
  }
  quit(): void {
    state.quitCalls++;
    const event = preventable();
    this.emit('before-quit', event);
    if (event.defaultPrevented) return;
    this.emit('will-quit', preventable());
    state.quitted = true;
    for (const w of state.quitWaiters.splice(0)) w();
  }
  exit(code: number): void {
    state.exitCode = code;
    state.quitted = true;
    for (const w of state.quitWaiters.splice(0)) w();
  }
  getVersion(): string {
    return '0.1.0-smoke';
  }
  getAppPath(): string {
    return state.root;
  }
  getPath(name: string): string {
    if (name === 'userData') return state.userData;
    if (name === 'home') return state.home;
    throw new Error(`fake electron: getPath(${name}) not supported`);
  }
  getLoginItemSettings(): { openAtLogin: boolean; wasOpenedAtLogin: boolean } {
    return { openAtLogin: false, wasOpenedAtLogin: false };
  }
  setLoginItemSettings(): void {}
  setAppUserModelId(): void {}
}

export const app = new FakeApp();

let nextId = 1;

class FakeWebContents extends EventEmitter {
  readonly id = nextId++;
  url = '';
  readonly sent: { channel: string; payload: unknown }[] = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined;
  getURL(): string {
    return this.url;
  }
  send(channel: string, payload: unknown): void {
    this.sent.push({ channel, payload });
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }
}

export class FakeBrowserWindow extends EventEmitter {
  readonly webContents = new FakeWebContents();
  visible = false;
  focused = false;
  destroyed = false;
  minimized = false;
  maximized = false;

  constructor(readonly options: Record<string, unknown>) {
    super();
    state.windows.push(this);
    // What Electron does for every new web contents: lets the app install its guards.
    app.emit('web-contents-created', {}, this.webContents);
  }
  async loadURL(url: string): Promise<void> {
    this.webContents.url = url;
    // Like a browser: follows redirects, keeps cookies, and keeps the #fragment across a redirect.
    const hash = new URL(url).hash;
    let target = url;
    let response = await fetch(target, { headers: { Accept: 'text/html', ...(state.cookie ? { Cookie: state.cookie } : {}) }, redirect: 'manual' });
    for (let hop = 0; hop < 5 && response.status >= 300 && response.status < 400; hop++) {
      const setCookie = response.headers.get('set-cookie');
      if (setCookie) state.cookie = setCookie.split(';')[0];
      target = `${new URL(response.headers.get('location') ?? '/', target).href.replace(/#.*$/, '')}${hash}`;
      this.webContents.url = target;
      response = await fetch(target, { headers: { Accept: 'text/html', ...(state.cookie ? { Cookie: state.cookie } : {}) }, redirect: 'manual' });
    }
    state.loads.push({ url, status: response.status, contentType: response.headers.get('content-type') ?? '', body: await response.text() });
    if (!response.ok) throw new Error(`ERR_HTTP_RESPONSE_CODE_FAILURE (${response.status})`);
    // main.ts listens with once(): later loads emitting it again change nothing.
    this.emit('ready-to-show');
  }
  show(): void {
    this.visible = true;
    this.emit('show');
  }
  hide(): void {
    this.visible = false;
    this.emit('hide');
  }
  focus(): void {
    this.focused = true;
    this.emit('focus');
  }
  close(): void {
    const event = preventable();
    this.emit('close', event);
    if (!event.defaultPrevented) this.destroy();
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.visible = false;
    this.emit('closed');
  }
  minimize(): void {
    this.minimized = true;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  restore(): void {
    this.minimized = false;
  }
  isMaximized(): boolean {
    return this.maximized;
  }
  maximize(): void {
    this.maximized = true;
  }
  unmaximize(): void {
    this.maximized = false;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  isVisible(): boolean {
    return this.visible;
  }
  isFocused(): boolean {
    return this.focused;
  }
}

export interface FakeMenu {
  template: MenuItem[];
}

export interface MenuItem {
  id?: string;
  label?: string;
  type?: string;
  enabled?: boolean;
  checked?: boolean;
  submenu?: MenuItem[];
  click?: () => void;
}

export const Menu = {
  buildFromTemplate: (template: MenuItem[]): FakeMenu => ({ template }),
};

export class FakeTray extends EventEmitter {
  tooltip = '';
  menu: FakeMenu | undefined;
  destroyed = false;
  constructor(public image: FakeImage) {
    super();
    state.trays.push(this);
  }
  setImage(image: FakeImage): void {
    this.image = image;
  }
  setToolTip(text: string): void {
    this.tooltip = text;
  }
  setContextMenu(menu: FakeMenu): void {
    this.menu = menu;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

export interface FakeImage {
  file: string;
  template: boolean;
  setTemplateImage(flag: boolean): void;
}

export const nativeImage = {
  createFromPath(file: string): FakeImage {
    const record = { file, template: false, exists: fs.existsSync(file) };
    state.images.push(record);
    return {
      file,
      get template() {
        return record.template;
      },
      setTemplateImage(flag: boolean) {
        record.template = flag;
      },
    };
  },
};

export const dialog = {
  async showOpenDialog(): Promise<{ canceled: boolean; filePaths: string[] }> {
    return { canceled: true, filePaths: [] };
  },
  async showMessageBox(...args: unknown[]): Promise<{ response: number }> {
    const options = (args.length > 1 ? args[1] : args[0]) as { message: string; buttons: string[] };
    state.messageBoxes.push({ message: options.message, buttons: options.buttons });
    return { response: 0 };
  },
  showErrorBox(title: string, content: string): void {
    state.errorBoxes.push({ title, content });
  },
};

export class FakeNotification extends EventEmitter {
  shown = false;
  constructor(readonly options: { title: string; body: string }) {
    super();
  }
  static isSupported(): boolean {
    return true;
  }
  show(): void {
    this.shown = true;
    state.notifications.push(this);
  }
}

export const shell = {
  async openExternal(url: string): Promise<void> {
    state.openedExternal.push(url);
  },
};

export const clipboard = {
  writeText(text: string): void {
    state.clipboard.push(text);
  },
};

/** A keyring is available (gnome-libsecret); the "cipher" is reversible, and says so. */
export const safeStorage = {
  isAsyncEncryptionAvailable: async () => true,
  encryptStringAsync: async (plain: string) => Buffer.from(`fake-keyring:${plain}`),
  decryptStringAsync: async (cipher: Buffer) => ({ result: cipher.toString().replace(/^fake-keyring:/, ''), shouldReEncrypt: false }),
  getSelectedStorageBackend: () => 'gnome_libsecret',
};

export const session = {
  defaultSession: {
    setPermissionRequestHandler(handler: typeof state.permissionRequest): void {
      state.permissionRequest = handler;
    },
    setPermissionCheckHandler(): void {},
    webRequest: {
      onHeadersReceived(handler: typeof state.headersReceived): void {
        state.headersReceived = handler;
      },
    },
  },
};

export const ipcMain = {
  /** electron-store registers a synchronous channel for renderer-side stores (we use none). */
  syncChannels: [] as string[],
  on(channel: string): void {
    ipcMain.syncChannels.push(channel);
  },
  handle(channel: string, handler: (event: { senderFrame: { url: string } | null; sender: { id: number } }, ...args: unknown[]) => unknown): void {
    state.ipcHandlers.set(channel, handler);
  },
};

/** The module as main.ts imports it. */
export const electronModule = {
  app,
  BrowserWindow: FakeBrowserWindow,
  Tray: FakeTray,
  Menu,
  nativeImage,
  dialog,
  Notification: FakeNotification,
  shell,
  clipboard,
  safeStorage,
  session,
  ipcMain,
};

/**
 * electron-store as the app constructs it, backed by `conf` (electron-store's own base, which runs
 * in plain Node) in the fake userData folder: the real JSON schema is validated by ajv.
 */
export async function fakeElectronStore(): Promise<{ default: unknown }> {
  const { default: Conf } = await import('conf');
  class Store extends Conf<Record<string, unknown>> {
    constructor(options: { name?: string; schema?: Record<string, unknown>; clearInvalidConfig?: boolean } = {}) {
      super({ configName: options.name ?? 'config', schema: options.schema as never, clearInvalidConfig: options.clearInvalidConfig, cwd: state.userData, projectName: 'raven-smoke' });
    }
  }
  return { default: Store };
}

export function waitForQuit(timeoutMs: number): Promise<void> {
  if (state.quitted) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the app did not quit')), timeoutMs);
    state.quitWaiters.push(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export function lastTrayMenu(): MenuItem[] {
  const tray = state.trays[state.trays.length - 1];
  return tray?.menu?.template ?? [];
}

export function findItem(items: MenuItem[], label: string): MenuItem | undefined {
  for (const item of items) {
    if (item.label === label) return item;
    const inner = item.submenu ? findItem(item.submenu, label) : undefined;
    if (inner) return inner;
  }
  return undefined;
}

export function repoRoot(): string {
  return path.resolve(__dirname, '..', '..');
}
