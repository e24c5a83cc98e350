import type { Logger } from '../logger';
import type { ScreenModel } from '../screen/screen-model';
import { TranscriptWriter, type TranscriptOptions } from '../transcript';

/**
 * The session's transcript (an asciicast file, transcript.ts), wired to the screen model.
 *
 * It records what the screen model parses: every byte, except the middle of a plain-text flood
 * that scrolls out of the scrollback unseen (screen/feed-queue.ts), where a marker says how much
 * was skipped. Encoding 60+ MB/s of JSON would otherwise cost a fifth of the flood's throughput on a
 * 2-core machine, for lines no screen ever showed (docs/throughput.md).
 */

export interface RecordingOptions {
  transcript: TranscriptOptions;
  screen: ScreenModel;
  log: Logger;
}

export class Recording {
  private skippedChars = 0;

  private constructor(
    private readonly writer: TranscriptWriter,
    screen: ScreenModel,
  ) {
    screen.onDropped((chars) => (this.skippedChars += chars));
    screen.onFed((data) => this.recordOutput(data));
  }

  /** A recording, or undefined (logged) when the transcript cannot be opened: the agent runs without one. */
  static start(options: RecordingOptions): Recording | undefined {
    try {
      return new Recording(new TranscriptWriter(options.transcript), options.screen);
    } catch (error) {
      options.log.warn('transcript disabled', { error: String(error) });
      return undefined;
    }
  }

  private recordOutput(data: string): void {
    if (this.skippedChars > 0) this.writer.marker(`flood: ${this.skippedChars} characters scrolled past unseen and were not recorded`);
    this.skippedChars = 0;
    this.writer.output(data);
  }

  input(data: string): void {
    this.writer.input(data);
  }

  resize(cols: number, rows: number): void {
    this.writer.resize(cols, rows);
  }

  /** Resolves once the file is complete on disk. */
  close(exitCode: number | null): Promise<void> {
    return this.writer.close(exitCode);
  }
}
