import type { AgentType } from '../../../src-shared/agent';
import { ROUTES } from '../../../src-shared/desktop';
import type { DesktopDeps, RuntimeLike, WindowPort } from '../electron-ports';
import { SPAWN_ENTRIES } from '../tray-model';
import { pickWorkdir } from './workdir-picker';

/**
 * "New agent" from the tray: ask for a folder with the native picker, spawn, open the agent, and
 * explain a failure (with the CLI's install hint) in a dialog, since there is no page to show it.
 */

export type TraySpawnDeps = Pick<DesktopDeps, 'dialog' | 'settings' | 'homeDir'>;

export interface TraySpawnHost<R extends RuntimeLike> {
  runtime(): R | undefined;
  dialogParent(): WindowPort | undefined;
  openAgent(id: string): void;
  showMain(route?: string): void;
}

function describeSpawnError(error: unknown): { code: string | undefined; hint: string } {
  const fields = typeof error === 'object' && error !== null ? (error as { code?: unknown; details?: { installHint?: unknown } }) : {};
  const installHint = fields.details?.installHint;
  return {
    code: typeof fields.code === 'string' ? fields.code : undefined,
    hint: typeof installHint === 'string' ? `\n\nInstall it with:\n${installHint}` : '',
  };
}

export class TraySpawner<R extends RuntimeLike> {
  constructor(
    private readonly deps: TraySpawnDeps,
    private readonly host: TraySpawnHost<R>,
  ) {}

  async spawn(type: AgentType): Promise<void> {
    const runtime = this.host.runtime();
    if (!runtime) return;
    const label = SPAWN_ENTRIES.find((e) => e.type === type)?.label ?? type;
    const workdir = await this.askFolder(`Choose the working folder for ${label}`);
    if (!workdir) return;
    try {
      const agent = await runtime.spawn({ type, workdir });
      this.host.openAgent(agent.id);
    } catch (error) {
      const { code, hint } = describeSpawnError(error);
      await this.deps.dialog.messageBox({
        type: 'error',
        title: `${label} could not start`,
        message: `${label} could not start${code !== undefined ? ` (${code})` : ''}`,
        detail: `${error instanceof Error ? error.message : String(error)}${hint}`,
        buttons: ['OK'],
      });
    }
  }

  async spawnCustom(): Promise<void> {
    const workdir = await this.askFolder('Choose the working folder for the custom command');
    if (!workdir) return;
    // A command line needs a text field, which a native dialog does not have: the form takes over.
    this.host.showMain(ROUTES.spawn('custom', workdir));
  }

  private askFolder(title: string): Promise<string | null> {
    return pickWorkdir(this.deps, { title, parent: this.host.dialogParent() });
  }
}
