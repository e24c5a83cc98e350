import type { DesktopDeps, WindowPort } from '../electron-ports';

/**
 * The native folder picker for a working folder, starting at the folder the last spawn used (or
 * the default one, or home), and remembering the choice for next time.
 */
export async function pickWorkdir(
  deps: Pick<DesktopDeps, 'dialog' | 'settings' | 'homeDir'>,
  options: { title: string; defaultPath?: string; parent: WindowPort | undefined },
): Promise<string | null> {
  const s = deps.settings.get();
  const folder = await deps.dialog.pickFolder({
    title: options.title,
    defaultPath: options.defaultPath || s.lastWorkdir || s.defaultWorkdir || deps.homeDir,
    parent: options.parent,
  });
  if (folder) deps.settings.setLastWorkdir(folder);
  return folder;
}
