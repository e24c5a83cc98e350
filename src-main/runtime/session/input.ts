import { keysToSequences } from '../../../src-shared/keys';
import type { ScreenModel } from '../screen/screen-model';
import type { PtyProcess } from './pty-process';
import type { Recording } from './recording';

/** Everything the runtime types into the program goes through here, so the transcript records it. */

/** Gap between keys of a sequence: TUIs that parse input per read would merge a burst into garbage. */
export const KEY_GAP_MS = 50;

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class TerminalInput {
  private lastInputMs = 0;

  constructor(
    private readonly pty: PtyProcess,
    private readonly recording: Recording | undefined,
    private readonly screen: ScreenModel,
  ) {}

  /** When input was last written (ms; 0: never). */
  get lastInputAt(): number {
    return this.lastInputMs;
  }

  /** Writes unless the session is already handling the program's exit. */
  write(data: string): void {
    if (this.pty.isClosed) return;
    this.lastInputMs = Date.now();
    this.recording?.input(data);
    this.pty.write(data);
  }

  /** Key names (src-shared/keys.ts) as the program expects them, KEY_GAP_MS apart. */
  async pressKeys(keys: readonly string[]): Promise<void> {
    const sequences = keysToSequences(keys, { applicationCursorKeys: this.screen.modes.applicationCursorKeys });
    for (let i = 0; i < sequences.length; i++) {
      if (i > 0) await delay(KEY_GAP_MS);
      this.write(sequences[i]);
    }
  }
}
