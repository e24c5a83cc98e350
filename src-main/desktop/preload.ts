import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC, type BridgePlatform, type RavenBridge, type SettingsView } from '../../src-shared/desktop';

/**
 * The only bridge between our pages and the main process (sandboxed, context-isolated). It exposes
 * a fixed set of functions, never ipcRenderer itself; the main process re-checks every argument and
 * the sender's origin.
 */

function subscribe<T>(channel: string, listener: (payload: T) => void): () => void {
  const handler = (_event: IpcRendererEvent, payload: T) => listener(payload);
  ipcRenderer.on(channel, handler);
  return () => {
    ipcRenderer.removeListener(channel, handler);
  };
}

const platform: BridgePlatform = process.platform === 'darwin' || process.platform === 'win32' ? process.platform : 'linux';

const bridge: RavenBridge = {
  bridgeVersion: 1,
  platform,
  getConnection: () => ipcRenderer.invoke(IPC.getConnection),
  openExternal: (url) => ipcRenderer.invoke(IPC.openExternal, String(url)),
  pickFolder: (defaultPath) => ipcRenderer.invoke(IPC.pickFolder, defaultPath === undefined ? undefined : String(defaultPath)),
  notify: (request) => ipcRenderer.invoke(IPC.notify, { title: String(request.title), body: request.body, agentId: request.agentId }),
  window: {
    minimize: () => ipcRenderer.invoke(IPC.windowMinimize),
    toggleMaximize: () => ipcRenderer.invoke(IPC.windowToggleMaximize),
    close: () => ipcRenderer.invoke(IPC.windowClose),
    openAgentWindow: (agentId) => ipcRenderer.invoke(IPC.openAgentWindow, String(agentId)),
  },
  settings: {
    get: () => ipcRenderer.invoke(IPC.settingsGet),
    set: (patch) => ipcRenderer.invoke(IPC.settingsSet, patch),
    generateApiKey: () => ipcRenderer.invoke(IPC.generateApiKey),
  },
  onNavigate: (listener) => subscribe<string>(IPC.navigate, (route) => listener(String(route))),
  onSettingsChanged: (listener) => subscribe<SettingsView>(IPC.settingsChanged, listener),
};

contextBridge.exposeInMainWorld('raven', bridge);
