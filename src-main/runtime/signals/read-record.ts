import * as fs from 'node:fs';

/**
 * Reads a CLI's own record of the conversation (Claude's transcript, Gemini's chat record) until
 * `extract` finds what it looks for. A CLI can run its turn-end hook a moment before it writes the
 * reply, so the file is re-read on each change until `extract` returns a value or `timeoutMs`
 * passes (undefined then: the caller falls back to the screen).
 */
export async function readWhenWritten<T>(file: string, extract: (text: string) => T | undefined, timeoutMs: number): Promise<T | undefined> {
  const attempt = (): T | undefined => {
    try {
      return extract(fs.readFileSync(file, 'utf8'));
    } catch {
      return undefined;
    }
  };
  const first = attempt();
  if (first !== undefined) return first;
  return new Promise((resolve) => {
    let watcher: fs.FSWatcher | undefined;
    const finish = (value: T | undefined): void => {
      clearTimeout(timer);
      watcher?.close();
      resolve(value);
    };
    const timer = setTimeout(() => finish(attempt()), timeoutMs);
    try {
      watcher = fs.watch(file, () => {
        const found = attempt();
        if (found !== undefined) finish(found);
      });
      // The file may have changed between the first read and the watch starting.
      const found = attempt();
      if (found !== undefined) finish(found);
    } catch {
      // No file (yet): the timer gives the answer.
    }
  });
}
