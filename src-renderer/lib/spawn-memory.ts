/** The folder the spawn form offers by default: the last one used in this browser. */
const LAST_WORKDIR = 'raven.lastWorkdir';

export function lastWorkdir(): string {
  try {
    return localStorage.getItem(LAST_WORKDIR) ?? '';
  } catch {
    return '';
  }
}

export function setLastWorkdir(dir: string): void {
  try {
    localStorage.setItem(LAST_WORKDIR, dir);
  } catch {
    // Not essential.
  }
}
