import * as nodeFs from 'node:fs';
import * as path from 'node:path';

/**
 * "Open at login". macOS and Windows have an API for it (`app.setLoginItemSettings`); Linux has
 * the XDG autostart convention: a .desktop file in `$XDG_CONFIG_HOME/autostart`, which GNOME, KDE,
 * Xfce and the others run at session start.
 */

export interface Autostart {
  isEnabled(): boolean;
  setEnabled(enabled: boolean): void;
}

/** Launched at login, the app starts in the tray without showing its window. */
export const HIDDEN_FLAG = '--hidden';

export interface LoginItemApi {
  getLoginItemSettings(options?: { args?: string[] }): { openAtLogin: boolean };
  setLoginItemSettings(settings: { openAtLogin: boolean; args?: string[] }): void;
}

export function loginItemAutostart(api: LoginItemApi, platform: NodeJS.Platform): Autostart {
  // Windows registers the executable with arguments, and reads back only an entry with the same ones.
  const args = platform === 'win32' ? [HIDDEN_FLAG] : undefined;
  return {
    isEnabled: () => api.getLoginItemSettings(args ? { args } : undefined).openAtLogin,
    setEnabled: (enabled) => api.setLoginItemSettings(args ? { openAtLogin: enabled, args } : { openAtLogin: enabled }),
  };
}

export const DESKTOP_FILE_NAME = 'raven-agent-runtime.desktop';

/** Desktop Entry Specification: in Exec, `"`, `` ` ``, `$` and `\` are escaped inside double quotes. */
export function quoteExecArg(arg: string): string {
  if (/^[A-Za-z0-9_\-./=:]+$/.test(arg)) return arg;
  return `"${arg.replace(/([\\"`$])/g, '\\$1')}"`;
}

export function xdgDesktopEntry(exec: string[], name = 'Raven Agent Runtime'): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    `Name=${name}`,
    'Comment=Runs AI coding agents in the background',
    `Exec=${exec.map(quoteExecArg).join(' ')}`,
    'Icon=raven-agent-runtime',
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    // KDE and others skip entries with this set; ours is only ever written when the person asks.
    'Hidden=false',
    '',
  ].join('\n');
}

export interface XdgAutostartOptions {
  env: NodeJS.ProcessEnv;
  homeDir: string;
  /**
   * The command that starts the app (program and arguments, e.g. `[execPath]` when packaged or
   * `[electron, appPath]` in development). $APPIMAGE replaces it for an AppImage, whose execPath is
   * a temporary mount that is gone after a reboot.
   */
  command: string[];
  fs?: Pick<typeof nodeFs, 'existsSync' | 'mkdirSync' | 'writeFileSync' | 'rmSync'>;
}

export function autostartDir(env: NodeJS.ProcessEnv, homeDir: string): string {
  const config = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(homeDir, '.config');
  return path.join(config, 'autostart');
}

export function xdgAutostart(options: XdgAutostartOptions): Autostart {
  const fs = options.fs ?? nodeFs;
  const file = path.join(autostartDir(options.env, options.homeDir), DESKTOP_FILE_NAME);
  const command = options.env.APPIMAGE && options.env.APPIMAGE !== '' ? [options.env.APPIMAGE] : options.command;
  return {
    isEnabled: () => fs.existsSync(file),
    setEnabled(enabled) {
      if (enabled) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, xdgDesktopEntry([...command, HIDDEN_FLAG]), { mode: 0o644 });
      } else {
        fs.rmSync(file, { force: true });
      }
    },
  };
}
