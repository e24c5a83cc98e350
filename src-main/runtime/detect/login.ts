import type { ScreenSnapshot } from '../screen/screen-model';

/**
 * Login URLs and device codes, read off the rendered screen.
 *
 * A URL longer than the terminal is broken over several rows, in one of two ways: xterm wrapped it
 * (the rows are marked as continuations and the snapshot's logical lines already join them), or the
 * CLI wrapped it itself (Ink and ratatui lay text out to the width and print hard newlines, often
 * inside a box). For the second kind we join a URL that runs to the right edge with the next row
 * when that row holds nothing but URL characters.
 */

const BOX_CHARS = /[│┃║|╎╏┆┇┊┋]/;
const URL_START = /https?:\/\/[^\s"'<>`│┃║]+/g;
const URL_CHARS_ONLY = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/;
/** Providers whose URL wins when a screen shows several (docs/compatibility.md, "Login URLs"). */
const PROVIDER_HOSTS = ['claude.ai', 'claude.com', 'anthropic.com', 'chatgpt.com', 'auth.openai.com', 'openai.com', 'accounts.google.com', 'openrouter.ai'];

function stripBox(row: string): string {
  let text = row;
  // Leading/trailing box borders and the padding next to them.
  text = text.replace(/^\s*[│┃║╎╏┆┇┊┋]\s?/, '').replace(/\s?[│┃║╎╏┆┇┊┋]\s*$/, '');
  return text;
}

/** Trailing punctuation that ends a sentence rather than the URL. */
function trimUrl(url: string): string {
  return url.replace(/[.,;:!?)\]'"]+$/, (tail) => {
    // Keep a closing parenthesis that has its opening partner inside the URL.
    const opens = (url.match(/\(/g) ?? []).length;
    const closes = (url.match(/\)/g) ?? []).length;
    return tail.startsWith(')') && opens >= closes ? ')' + tail.slice(1).replace(/[^)]/g, '') : '';
  });
}

/** Every URL on screen, joined back together across CLI-made line breaks. */
export function extractUrls(screen: ScreenSnapshot): string[] {
  const rows = screen.rowTexts;
  const urls: string[] = [];
  for (let i = 0; i < rows.length; i++) {
    // Soft-wrapped continuation rows are handled through the row they continue.
    if (screen.wrapped[i]) continue;
    let line = rows[i];
    let end = i;
    while (end + 1 < rows.length && screen.wrapped[end + 1]) line += rows[++end];
    const matches = [...stripBox(line).matchAll(URL_START)];
    for (const match of matches) {
      let url = match[0];
      const text = stripBox(line);
      const reachesEdge = match.index + url.length >= text.trimEnd().length && line.trimEnd().length >= screen.cols - 6;
      if (reachesEdge) {
        // Hard-wrapped by the CLI: take following rows made only of URL characters.
        let next = end + 1;
        while (next < rows.length) {
          const piece = stripBox(rows[next]).trim();
          if (piece === '' || !URL_CHARS_ONLY.test(piece) || /^https?:\/\//.test(piece)) break;
          url += piece;
          const fullWidth = rows[next].trimEnd().length >= screen.cols - 6;
          next++;
          if (!fullWidth) break;
        }
      }
      urls.push(trimUrl(url));
    }
    i = end;
  }
  return [...new Set(urls)];
}

/** The URL a person should open: a provider's, else the last one shown. */
export function pickLoginUrl(urls: readonly string[]): string | undefined {
  const provider = urls.find((url) => {
    try {
      const host = new URL(url).hostname;
      return PROVIDER_HOSTS.some((h) => host === h || host.endsWith(`.${h}`));
    } catch {
      return false;
    }
  });
  return provider ?? urls[urls.length - 1];
}

const CODE_AFTER_LABEL = /(?:one[- ]time|device|user|verification)?\s*code[^A-Z0-9\n]{0,40}?\b([A-Z0-9]{3,}(?:-[A-Z0-9]{3,})+)\b/i;
const CODE_ALONE = /^\s*[│┃║]?\s*([A-Z0-9]{4,}-[A-Z0-9]{4,})\s*[│┃║]?\s*$/;

/**
 * A device code such as `ABCD-EFGH`: after a "code" label on the same line, or alone on a line
 * within two lines after one (Codex prints it under "Enter this one-time code").
 */
export function extractDeviceCode(lines: readonly string[]): string | undefined {
  for (let i = 0; i < lines.length; i++) {
    const sameLine = CODE_AFTER_LABEL.exec(lines[i]);
    if (sameLine && /[A-Z]/.test(sameLine[1]) && sameLine[1] === sameLine[1].toUpperCase()) return sameLine[1];
    if (/code/i.test(lines[i])) {
      for (let j = i + 1; j <= Math.min(i + 3, lines.length - 1); j++) {
        const alone = CODE_ALONE.exec(lines[j]);
        if (alone) return alone[1];
      }
    }
  }
  return undefined;
}
