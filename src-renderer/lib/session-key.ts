/**
 * The API key a person typed into the browser UI. sessionStorage: it lives as long as the tab, is
 * not shared with other sites, and is gone when the tab closes (a shared computer forgets it).
 */
const KEY = 'raven.apiKey';

export function storedKey(): string | undefined {
  try {
    return sessionStorage.getItem(KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function storeKey(key: string): void {
  try {
    sessionStorage.setItem(KEY, key);
  } catch {
    // Storage disabled: the key works until the page reloads.
  }
}

export function forgetStoredKey(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // Nothing stored.
  }
}
