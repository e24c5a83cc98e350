import type { SettingsView, ThemePreference } from '../../src-shared/desktop';

/**
 * What the UI itself needs from the settings: theme and terminal look. In the desktop app they come
 * from the stored settings (via the bridge); in a browser they are this browser's own, kept in
 * localStorage, since a web page cannot write the desktop app's settings.
 */
export interface UiPreferences {
  theme: ThemePreference;
  fontSize: number;
  scrollback: number;
}

export const DEFAULT_PREFERENCES: UiPreferences = { theme: 'system', fontSize: 13, scrollback: 5000 };
const STORAGE_KEY = 'raven.preferences';

export type ResolvedTheme = 'light' | 'dark';

class Preferences {
  private value: UiPreferences = { ...DEFAULT_PREFERENCES };
  private readonly listeners = new Set<(prefs: UiPreferences) => void>();
  private readonly media = window.matchMedia('(prefers-color-scheme: dark)');

  constructor() {
    try {
      const stored = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}') as Partial<UiPreferences>;
      this.value = sanitize({ ...this.value, ...stored });
    } catch {
      // Unreadable preferences are just defaults.
    }
    this.media.addEventListener('change', () => {
      if (this.value.theme === 'system') this.apply();
    });
    this.apply();
  }

  get(): UiPreferences {
    return { ...this.value };
  }

  get resolvedTheme(): ResolvedTheme {
    if (this.value.theme === 'system') return this.media.matches ? 'dark' : 'light';
    return this.value.theme;
  }

  /** Browser-only: remember locally. */
  setLocal(patch: Partial<UiPreferences>): void {
    this.value = sanitize({ ...this.value, ...patch });
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(this.value));
    } catch {
      // Private mode: the change still applies to this page.
    }
    this.apply();
  }

  /** Desktop: the stored settings are the source. */
  fromSettings(settings: SettingsView): void {
    this.value = sanitize({ theme: settings.theme, fontSize: settings.fontSize, scrollback: settings.scrollback });
    this.apply();
  }

  subscribe(listener: (prefs: UiPreferences) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private apply(): void {
    document.documentElement.dataset.theme = this.resolvedTheme;
    for (const l of [...this.listeners]) l(this.get());
  }
}

function sanitize(p: UiPreferences): UiPreferences {
  return {
    theme: p.theme === 'light' || p.theme === 'dark' ? p.theme : 'system',
    fontSize: Number.isInteger(p.fontSize) && p.fontSize >= 8 && p.fontSize <= 32 ? p.fontSize : DEFAULT_PREFERENCES.fontSize,
    scrollback: Number.isInteger(p.scrollback) && p.scrollback >= 0 && p.scrollback <= 100_000 ? p.scrollback : DEFAULT_PREFERENCES.scrollback,
  };
}

export const preferences = new Preferences();
