import { IPC, type NotifyRequest, type SettingsResult } from '../../../src-shared/desktop';
import { riskyChange, settingsChangeRequest } from '../confirmations';
import type { DesktopDeps, IpcSender, WindowPort } from '../electron-ports';
import { isTrustedSender } from '../guards';
import { parseSettingsPatch } from '../settings/schema';
import { pickWorkdir } from './workdir-picker';

/**
 * The main-process side of the preload bridge (src-shared/desktop.ts `IPC`). Every channel first
 * checks that the sender is one of our own pages, then checks its arguments: a page is not trusted
 * to send the shapes the bridge's types promise.
 */

export type BridgeDeps = Pick<DesktopDeps, 'ipc' | 'settings' | 'confirm' | 'dialog' | 'homeDir' | 'randomKey'>;

/** What the bridge asks of the rest of the app. */
export interface BridgeHost {
  origin(): string;
  windowFor(webContentsId: number): WindowPort | undefined;
  openExternal(url: string): Promise<boolean>;
  notify(request: NotifyRequest): void;
  openAgentWindow(agentId: string): void;
}

const MAX_NOTIFY_TITLE = 200;
const MAX_NOTIFY_BODY = 500;
const MAX_AGENT_ID = 200;

function str(value: unknown, name: string): string {
  if (typeof value !== 'string') throw new Error(`${name} must be a string`);
  return value;
}

export function registerBridge(deps: BridgeDeps, host: BridgeHost): void {
  const handle = (channel: string, handler: (sender: IpcSender, args: unknown[]) => unknown): void => {
    deps.ipc.handle(channel, (sender, args) => {
      // Only our own pages may use the bridge (Electron checklist item 17).
      if (!isTrustedSender(sender.url, host.origin())) throw new Error('Refused: the sender is not a Raven Agent Runtime page.');
      return handler(sender, args);
    });
  };

  handle(IPC.getConnection, () => {
    const key = deps.settings.get().apiKey;
    return { baseUrl: host.origin(), token: key === '' ? undefined : key };
  });
  handle(IPC.openExternal, (_sender, [url]) => host.openExternal(str(url, 'url')));
  handle(IPC.pickFolder, (sender, [defaultPath]) =>
    pickWorkdir(deps, {
      title: 'Choose a working folder',
      defaultPath: typeof defaultPath === 'string' ? defaultPath : undefined,
      parent: host.windowFor(sender.webContentsId),
    }),
  );
  handle(IPC.notify, (_sender, [request]) => {
    if (typeof request !== 'object' || request === null) throw new Error('notify needs {title, body?, agentId?}');
    const r = request as Record<string, unknown>;
    if (!deps.settings.get().notifications) return;
    host.notify({
      title: str(r.title, 'title').slice(0, MAX_NOTIFY_TITLE),
      body: typeof r.body === 'string' ? r.body.slice(0, MAX_NOTIFY_BODY) : undefined,
      agentId: typeof r.agentId === 'string' ? r.agentId : undefined,
    });
  });
  handle(IPC.windowMinimize, (sender) => host.windowFor(sender.webContentsId)?.minimize());
  handle(IPC.windowToggleMaximize, (sender) => host.windowFor(sender.webContentsId)?.toggleMaximize());
  handle(IPC.windowClose, (sender) => host.windowFor(sender.webContentsId)?.close());
  handle(IPC.openAgentWindow, (_sender, [id]) => {
    const agentId = str(id, 'agentId');
    if (agentId.length === 0 || agentId.length > MAX_AGENT_ID) throw new Error(`agentId must be 1–${MAX_AGENT_ID} characters`);
    host.openAgentWindow(agentId);
  });
  handle(IPC.settingsGet, () => deps.settings.view());
  handle(IPC.settingsSet, (sender, [patch]) => settingsFromPage(deps, host, patch, sender));
  handle(IPC.generateApiKey, () => deps.randomKey());
}

/**
 * `settings.set` from a page: the shape and values are checked here, in the main process, and a
 * change that lets more web pages in or removes the API key needs the person's own yes in a
 * native dialog: a page (or script injected into one) cannot loosen the API's protection alone.
 */
async function settingsFromPage(deps: BridgeDeps, host: BridgeHost, raw: unknown, sender: IpcSender): Promise<SettingsResult> {
  const parsed = parseSettingsPatch(raw);
  if (!parsed.ok) return parsed;
  // Judged on the cleaned values: "  " is a cleared key, a page URL is its origin.
  const risk = riskyChange(deps.settings.get(), parsed.value);
  if (risk) {
    const confirmed = await deps.confirm.confirm({ ...settingsChangeRequest(risk), parent: host.windowFor(sender.webContentsId) });
    if (!confirmed) {
      return { ok: false, error: 'Not saved: the change was not confirmed in the dialog.', field: risk.addedOrigins.length > 0 ? 'allowedOrigins' : 'apiKey' };
    }
  }
  return deps.settings.update(parsed.value);
}
