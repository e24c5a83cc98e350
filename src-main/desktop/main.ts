/**
 * The Electron entry point: adapts Electron's modules to the narrow ports in electron-ports.ts and starts
 * the DesktopApp. Keep logic out of here: this file only runs inside Electron (and, in the smoke
 * test, under Node against a fake `electron` module).
 */
import {
  app,
  BrowserWindow,
  clipboard,
  dialog,
  ipcMain,
  Menu,
  nativeImage,
  Notification,
  safeStorage,
  session,
  shell,
  Tray,
  type MenuItemConstructorOptions,
  type NativeImage,
} from 'electron';
import Store from 'electron-store';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AgentManager } from '../runtime/agent-manager';
import { configFromEnv } from '../runtime/config';
import { createLogger, parseLogLevel, type LogRecord } from '../runtime/logger';
import { startServer } from '../server';
import { loginItemAutostart, xdgAutostart, type Autostart } from './autostart';
import { DesktopApp } from './app/desktop-app';
import { dialogConfirm } from './confirmations';
import { checkExternalUrl, contentSecurityPolicy, isAllowedNavigation, isPermissionAllowed } from './guards';
import { appIconFile, trayIconFile } from './icons';
import { isPortFree } from './port-conflict';
import type { AppPort, DialogPort, IpcPort, NotificationPort, SecurityPort, TrayPort, WindowOptions, WindowPort } from './electron-ports';
import { repairSettings, type RawSettings } from './settings/migrations';
import { jsonSchema } from './settings/schema';
import { safeStorageSecretBox } from './settings/secrets';
import { SettingsService, type SettingsBackend } from './settings/service';
import type { TrayState } from './tray-model';

const APP_ID = 'dev.raven.agent-runtime';

/** dist/desktop/main.js → the app root (package.json, dist/renderer, assets). */
function appRoot(): string {
  return app.getAppPath();
}

function fileLogger() {
  const dir = path.join(app.getPath('userData'), 'logs');
  fs.mkdirSync(dir, { recursive: true });
  const stream = fs.createWriteStream(path.join(dir, 'main.log'), { flags: 'a' });
  // A packaged app has no visible stderr: the log file is where support starts.
  return createLogger(parseLogLevel(process.env.LOG_LEVEL, 'info'), (record: LogRecord) => {
    const line = `${JSON.stringify(record)}\n`;
    stream.write(line);
    if (!app.isPackaged) process.stderr.write(line);
  });
}

/** electron-store, created here only (it is ESM and imports electron). */
function settingsBackend(): SettingsBackend {
  const options = { name: 'settings', schema: jsonSchema(), clearInvalidConfig: false } as const;
  let store: Store<RawSettings>;
  try {
    store = new Store<RawSettings>(options);
  } catch {
    // The file fails the schema (hand-edited?): repair it field by field instead of wiping it.
    const raw = new Store<RawSettings>({ name: 'settings', clearInvalidConfig: false });
    raw.store = repairSettings(raw.store);
    store = new Store<RawSettings>(options);
  }
  return {
    read: () => ({ ...store.store }),
    write: (settings) => {
      store.store = settings;
    },
  };
}

function appPort(): AppPort {
  return {
    requestSingleInstanceLock: () => app.requestSingleInstanceLock(),
    onSecondInstance: (listener) => void app.on('second-instance', () => listener()),
    onBeforeQuit: (listener) => void app.on('before-quit', (event) => listener(event)),
    onWindowAllClosed: (listener) => void app.on('window-all-closed', () => listener()),
    onActivate: (listener) => void app.on('activate', () => listener()),
    whenReady: () => app.whenReady(),
    quit: () => app.quit(),
    exit: (code) => app.exit(code),
    wasOpenedAtLogin: () => process.platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin === true,
    showDock: () => void app.dock?.show(),
    hideDock: () => app.dock?.hide(),
  };
}

const nativeWindows = new WeakMap<WindowPort, BrowserWindow>();

function createWindow(options: WindowOptions, preload: string, icon: string): WindowPort {
  const win = new BrowserWindow({
    title: options.title,
    width: options.width,
    height: options.height,
    minWidth: options.minWidth,
    minHeight: options.minHeight,
    show: options.show,
    backgroundColor: options.backgroundColor,
    icon: process.platform === 'linux' ? icon : undefined,
    autoHideMenuBar: true,
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  });
  const port: WindowPort = {
    webContentsId: win.webContents.id,
    loadURL: (url) => win.loadURL(url),
    currentURL: () => win.webContents.getURL(),
    show: () => win.show(),
    hide: () => win.hide(),
    focus: () => win.focus(),
    close: () => win.close(),
    destroy: () => win.destroy(),
    minimize: () => win.minimize(),
    toggleMaximize: () => (win.isMaximized() ? win.unmaximize() : win.maximize()),
    restoreIfMinimized: () => {
      if (win.isMinimized()) win.restore();
    },
    isDestroyed: () => win.isDestroyed(),
    isVisible: () => !win.isDestroyed() && win.isVisible(),
    isFocused: () => !win.isDestroyed() && win.isFocused(),
    onClose: (listener) => void win.on('close', (event) => listener(event)),
    onClosed: (listener) => void win.on('closed', () => listener()),
    onVisibilityChange: (listener) => {
      for (const name of ['focus', 'blur', 'show', 'hide'] as const) win.on(name as 'focus', () => listener());
    },
    onReadyToShow: (listener) => void win.once('ready-to-show', () => listener()),
    send: (channel, payload) => {
      if (!win.isDestroyed()) win.webContents.send(channel, payload);
    },
  };
  nativeWindows.set(port, win);
  return port;
}

function trayPort(assetsDir: string): TrayPort {
  const images = new Map<TrayState, NativeImage>();
  const image = (state: TrayState): NativeImage => {
    let img = images.get(state);
    if (!img) {
      const icon = trayIconFile(state, process.platform, assetsDir);
      img = nativeImage.createFromPath(icon.file);
      if (icon.template) img.setTemplateImage(true);
      images.set(state, img);
    }
    return img;
  };
  const tray = new Tray(image('idle'));
  let current: TrayState = 'idle';
  return {
    setState: (state) => {
      if (state === current) return;
      current = state;
      tray.setImage(image(state));
    },
    setToolTip: (text) => tray.setToolTip(text),
    setMenu: (template) => tray.setContextMenu(Menu.buildFromTemplate(template as MenuItemConstructorOptions[])),
    onClick: (listener) => void tray.on('click', () => listener()),
    destroy: () => tray.destroy(),
  };
}

function dialogPort(): DialogPort {
  return {
    async pickFolder({ title, defaultPath, parent }) {
      const options = { title, defaultPath, properties: ['openDirectory', 'createDirectory'] as ('openDirectory' | 'createDirectory')[] };
      const owner = parent ? nativeWindows.get(parent) : undefined;
      const result = owner ? await dialog.showOpenDialog(owner, options) : await dialog.showOpenDialog(options);
      return result.canceled || result.filePaths.length === 0 ? null : result.filePaths[0];
    },
    async messageBox({ parent, ...options }) {
      const owner = parent ? nativeWindows.get(parent) : undefined;
      const result = owner ? await dialog.showMessageBox(owner, options) : await dialog.showMessageBox(options);
      return result.response;
    },
    errorBox: (title, content) => dialog.showErrorBox(title, content),
  };
}

function notificationPort(icon: string): NotificationPort {
  // Referenced until clicked or closed: a collected Notification loses its click handler.
  const live = new Set<Notification>();
  return {
    isSupported: () => Notification.isSupported(),
    show({ title, body, onClick }) {
      const n = new Notification({ title, body: body ?? '', icon: process.platform === 'linux' ? icon : undefined });
      live.add(n);
      n.on('click', () => {
        live.delete(n);
        onClick?.();
      });
      n.on('close', () => live.delete(n));
      n.show();
    },
  };
}

function ipcPort(): IpcPort {
  return {
    handle: (channel, handler) =>
      ipcMain.handle(channel, (event, ...args: unknown[]) => handler({ url: event.senderFrame?.url, webContentsId: event.sender.id }, args)),
  };
}

function securityPort(): SecurityPort {
  return {
    install(appOrigin, openExternal) {
      const ses = session.defaultSession;
      ses.setPermissionRequestHandler((_contents, permission, callback, details) =>
        callback(isPermissionAllowed(permission, details.requestingUrl, appOrigin())),
      );
      ses.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) =>
        isPermissionAllowed(permission, details.requestingUrl ?? requestingOrigin, appOrigin()),
      );
      ses.webRequest.onHeadersReceived((details, callback) => {
        const origin = appOrigin();
        if (!isAllowedNavigation(details.url, origin) || details.resourceType !== 'mainFrame') return callback({});
        callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy(origin)] } });
      });
      app.on('web-contents-created', (_event, contents) => {
        contents.on('will-navigate', (event, url) => {
          if (!isAllowedNavigation(url, appOrigin())) event.preventDefault();
        });
        contents.on('will-redirect', (event, url) => {
          if (!isAllowedNavigation(url, appOrigin())) event.preventDefault();
        });
        contents.on('will-attach-webview', (event) => event.preventDefault());
        contents.setWindowOpenHandler(({ url }) => {
          // Links meant for a new window (target=_blank) go to the browser, after the same checks.
          if (checkExternalUrl(url).ok) openExternal(url);
          return { action: 'deny' };
        });
      });
    },
  };
}

function autostart(): Autostart {
  if (process.platform === 'linux') {
    const command = app.isPackaged ? [process.execPath] : [process.execPath, appRoot()];
    return xdgAutostart({ env: process.env, homeDir: app.getPath('home'), command });
  }
  return loginItemAutostart(app, process.platform);
}

async function main(): Promise<void> {
  if (process.platform === 'win32') app.setAppUserModelId(APP_ID);
  const root = appRoot();
  const assetsDir = path.join(root, 'assets');
  const logger = fileLogger();
  const secrets = safeStorageSecretBox(safeStorage, process.platform);
  const settings = new SettingsService(settingsBackend(), secrets);
  if (settings.loadNote) logger.warn(settings.loadNote);

  const dialogs = dialogPort();
  const desktop = new DesktopApp({
    platform: process.platform,
    argv: process.argv,
    version: app.getVersion(),
    homeDir: os.homedir(),
    app: appPort(),
    createWindow: (options) => createWindow(options, path.join(__dirname, 'preload.js'), appIconFile(assetsDir)),
    createTray: () => trayPort(assetsDir),
    dialog: dialogs,
    confirm: dialogConfirm(dialogs),
    notifications: notificationPort(appIconFile(assetsDir)),
    openExternal: (url) => shell.openExternal(url),
    writeClipboard: (text) => clipboard.writeText(text),
    security: securityPort(),
    ipc: ipcPort(),
    settings,
    autostart: autostart(),
    createRuntime: (config) => new AgentManager(config, { logger }),
    runtimeConfig: (overrides) => configFromEnv(process.env, overrides),
    startServer: (options) => startServer(options),
    fetch: (url, init) => fetch(url, init),
    isPortFree,
    uiDir: path.join(root, 'dist', 'renderer'),
    logger,
    randomKey: () => randomBytes(24).toString('base64url'),
  });
  // Ctrl-C in a dev terminal, or a system shutdown: the same graceful path as Quit.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => app.quit());
  // Playwright's Electron test reads the tray menu through this (only when it asks for it).
  if (process.env.RAVEN_E2E === '1') (globalThis as { ravenDesktop?: DesktopApp<AgentManager> }).ravenDesktop = desktop;
  await desktop.start();
}

main().catch((error: unknown) => {
  dialog.showErrorBox('Raven Agent Runtime could not start', error instanceof Error ? (error.stack ?? error.message) : String(error));
  app.exit(1);
});
