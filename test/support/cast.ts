import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseCast, parseSize, type CastEventCode } from '../../src-shared/asciicast';
import { joinWrapped, ScreenModel, type ScreenSnapshot } from '../../src-main/runtime/screen/screen-model';

/** Recorded screens of the real CLIs (scripts/record-cli-screens.ts), replayed for detector tests. */

export const FIXTURES = path.resolve(__dirname, '../fixtures/screens');

export type CastEvent = [number, CastEventCode, string];

export interface Cast {
  header: { width: number; height: number; title?: string };
  events: CastEvent[];
}

/** A fixture, read by the shared asciicast reader; events as tuples, which tests edit easily. */
export function loadCast(cli: string, scenario: string): Cast {
  const cast = parseCast(fs.readFileSync(path.join(FIXTURES, cli, `${scenario}.cast`), 'utf8'));
  if (cast.skipped > 0) throw new Error(`${cli}/${scenario}.cast has ${cast.skipped} unreadable lines`);
  return { header: cast.header, events: cast.events.map((event): CastEvent => [event.time, event.code, event.data]) };
}

export interface ReplayPoint {
  snapshot: ScreenSnapshot;
  /** Logical lines since the last typed message (what the session would capture for the reply). */
  turnLines: string[];
  /** The last message the recorder typed before this point (without the Enter). */
  message?: string;
  /** The spawn's working folder as the CLI showed it. */
  workdir?: string;
}

/**
 * Replays output up to (and including) the marker `label`; `occurrence` picks a later one of the
 * same name. Turn capture starts at the last typed input that looks like a message.
 */
export async function replayTo(cast: Cast, label: string, occurrence = 1): Promise<ReplayPoint> {
  const screen = new ScreenModel({ cols: cast.header.width, rows: cast.header.height, scrollback: 1000 });
  let seen = 0;
  let tapStart = 0;
  let typed = '';
  let message: string | undefined;
  let allOutput = '';
  try {
    for (const [, kind, data] of cast.events) {
      if (kind === 'o') {
        screen.write(data);
        allOutput += data;
      } else if (kind === 'i') {
        // The recorder types the text, then sends Enter separately.
        if (data === '\r' && typed.trim() !== '') {
          message = typed;
          typed = '';
        } else if (!data.startsWith('\x1b') && data !== '\r' && data.length > 1) {
          await screen.flush();
          tapStart = screen.tapPosition;
          typed = data;
        }
      } else if (kind === 'r') {
        const size = parseSize(data);
        if (!size) throw new Error(`bad resize event "${data}"`);
        await screen.flush();
        screen.resize(size.cols, size.rows);
      } else if (kind === 'm' && data === label && ++seen === occurrence) {
        await screen.flush();
        const snapshot = screen.snapshot();
        const rows = [...screen.rowsSince(tapStart), ...snapshot.rowTexts.map((text, i) => ({ text, wrapped: snapshot.wrapped[i] }))];
        const turnLines = joinWrapped(rows);
        while (turnLines.length > 0 && turnLines[turnLines.length - 1].trim() === '') turnLines.pop();
        const workdir = /\/var\/tmp\/raven-[a-z]+-[A-Za-z0-9]+\/work/.exec(allOutput)?.[0];
        return { snapshot, turnLines, message, workdir };
      }
    }
  } finally {
    screen.dispose();
  }
  throw new Error(`marker "${label}" #${occurrence} not found`);
}

/** Marker labels in a cast, in order. */
export function markers(cast: Cast): string[] {
  return cast.events.filter((e) => e[1] === 'm').map((e) => e[2]);
}
