import * as fs from 'node:fs';
import * as path from 'node:path';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentHandle } from '../../src-shared/agent';
import type { LogsResponse, OutputResponse, TranscriptMeta } from '../../src-shared/api';
import { startTestServer, until, wsUrl, type TestServer } from '../server/support';

/**
 * No output is lost when a program exits right after a flood (issue 8): a custom agent runs
 * `read go; cat <big file>; echo FLOOD-DONE-<n>` while a terminal viewer reads in bursts, slowly
 * enough that the PTY is held for back-pressure when the program exits. The marker must be in
 * /output, the logs, the transcript and the live viewer, every time.
 */

const RUNS = Number(process.env.FLOOD_RUNS ?? 20);
/** Big enough that the viewer holds the PTY many times per run; FLOOD_MB=90 is the size. */
const FLOOD_MB = Number(process.env.FLOOD_MB ?? 32);

let t: TestServer;
let file: string;

beforeAll(async () => {
  // Lower watermarks than the defaults, so a viewer that reads in bursts holds the PTY often; the
  // stuck limit is raised so it is never dropped for it (it does keep reading).
  t = await startTestServer({ server: { tuning: { pump: { highWater: 32 * 1024, lowWater: 8 * 1024, stuckMs: 30_000 } } } });
  file = path.join(t.h.scratch, 'flood.txt');
  const line = `${'flood 0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ '.repeat(2)}\n`;
  const block = line.repeat(Math.ceil((1024 * 1024) / line.length));
  const fd = fs.openSync(file, 'w');
  for (let i = 0; i < FLOOD_MB; i++) fs.writeSync(fd, block);
  fs.closeSync(fd);
});
afterAll(async () => {
  await t.close();
});

/**
 * A terminal viewer (no query string, as Raven connects) that does not read at all until `burst()`
 * is called (so the flood fills the socket and the server must hold the PTY, however fast or busy
 * the machine), and from then on reads in short bursts between pauses.
 */
function burstyViewer(url: string): { tail: () => string; bytes: () => number; opened: Promise<void>; closed: Promise<number>; burst: () => void } {
  const ws = new WebSocket(url);
  let tail = '';
  let bytes = 0;
  ws.on('message', (data: Buffer) => {
    bytes += data.length;
    tail = (tail + data.toString('utf8')).slice(-8192);
  });
  ws.on('error', () => undefined);
  // Reads for 1 ms out of every 60: far slower than the flood, so TCP buffers fill and the server holds the PTY.
  let toggle: NodeJS.Timeout | undefined;
  const cycle = () => {
    ws.pause();
    toggle = setTimeout(() => {
      ws.resume();
      toggle = setTimeout(cycle, 1);
    }, 59);
  };
  let bursting = false;
  ws.once('open', () => ws.pause());
  return {
    burst: () => {
      if (bursting) return;
      bursting = true;
      cycle();
    },
    tail: () => tail,
    bytes: () => bytes,
    opened: new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    }),
    closed: new Promise((resolve) =>
      ws.once('close', (code) => {
        clearTimeout(toggle);
        ws.resume();
        resolve(code);
      }),
    ),
  };
}

describe('exit after a flood', () => {
  it(`keeps the last output of ${RUNS} runs of a ${FLOOD_MB} MB flood in /output, logs, transcript and a live viewer`, async () => {
    const workdir = path.join(t.h.scratch, 'work');
    let heldRuns = 0;
    for (let n = 1; n <= RUNS; n++) {
      const marker = `FLOOD-DONE-${n}`;
      const res = await t.request('POST', '/api/agents', {
        body: { type: 'custom', name: `flood-${n}`, command: '/bin/sh', args: ['-c', `read go; cat '${file}'; echo ${marker}`], workdir },
      });
      expect(res.status).toBe(201);
      const id = (res.json as AgentHandle).id;
      const viewer = burstyViewer(wsUrl(t.url, `/ws/agents/${id}/terminal`));
      await viewer.opened;
      await until(async () => ((await t.request('GET', `/api/agents/${id}/metrics`)).json as { viewers: number }).viewers === 1, 5_000, 'viewer attached');
      // Watch the session's flow holds: proof that the viewer (not only the screen model) paused the PTY.
      const session = t.h.manager.sessionFor(id);
      const holds = { viewer: 0, screen: 0 };
      const hold = session.holdFlow.bind(session);
      session.holdFlow = (token: string) => {
        if (token.startsWith('viewer:')) {
          holds.viewer++;
          // The PTY is held for this viewer: from now on it reads, in bursts, so the run goes on.
          setImmediate(() => viewer.burst());
        } else if (token === 'screen') holds.screen++;
        hold(token);
      };
      await t.request('POST', `/api/agents/${id}/input`, { body: { data: 'go\r' } });
      const stopped = await t.h.waitFor('agent_stopped', id, 120_000);
      if (holds.viewer > 0) heldRuns++;
      expect(stopped.exitCode, `run ${n}`).toBe(0);

      const output = (await t.request('GET', `/api/agents/${id}/output`)).json as OutputResponse;
      expect(output.output.includes(marker), `run ${n}: /output ends ${JSON.stringify(output.output.slice(-120))}`).toBe(true);
      const logs = (await t.request('GET', `/api/agents/${id}/logs?tail=20`)).json as LogsResponse;
      expect(logs.logs.join('\n').includes(marker), `run ${n}: logs end ${JSON.stringify(logs.logs.slice(-2))}`).toBe(true);
      const recordings = ((await t.request('GET', '/api/transcripts')).json as { transcripts: TranscriptMeta[] }).transcripts;
      const parts = recordings.find((r) => r.id === id)?.parts ?? [];
      expect(parts.length, `run ${n}: transcript parts`).toBeGreaterThan(0);
      const cast = (await t.request('GET', `/api/transcripts/${id}/${parts[parts.length - 1]}`)).text;
      expect(cast.includes(marker), `run ${n}: transcript ends ${JSON.stringify(cast.slice(-160))}`).toBe(true);
      await viewer.closed;
      expect(viewer.tail().includes(marker), `run ${n}: live viewer (${viewer.bytes()} bytes) ends ${JSON.stringify(viewer.tail().slice(-120))}`).toBe(true);

      expect((await t.request('DELETE', `/api/agents/${id}`)).status).toBe(204);
      // The recording is kept after DELETE; drop it here so 20 runs do not fill the disk.
      fs.rmSync(path.join(t.h.dataDir, 'transcripts', id), { recursive: true, force: true });
    }
    // The point of the slow viewer: every run had the PTY held for back-pressure.
    expect(heldRuns, `runs in which the viewer held the PTY`).toBe(RUNS);
  }, 900_000);
});
