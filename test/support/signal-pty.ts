/**
 * A real CLI in a real PTY with a signal channel, and no session: for testing the signals/ room
 * before the session adopts it. It keeps a timeline of both sources with their arrival times —
 * every hook message from the channel, and every change of what the CLI's screen adapter makes of
 * the screen — so a test can assert the order of hook events and compare when each source knew
 * the turn was over.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as pty from 'node-pty';
import { keysToSequences } from '../../src-shared/keys';
import type { CliAdapter, ScreenState } from '../../src-main/runtime/adapters/types';
import { ScreenModel } from '../../src-main/runtime/screen/screen-model';
import { SignalChannel, type HookMessage } from '../../src-main/runtime/signals/channel';
import { CI_VARIABLES } from '../../src-main/runtime/env';
import { afterAll, beforeAll } from 'vitest';
import type { CliHome } from './cli-home';
import { removeBuildBinDirs } from './cli-versions';
import { startModelServer, type ModelServer } from './model-server';

export interface ScreenEntry {
  state: ScreenState;
  at: number;
}

export interface SignalPty {
  channel: SignalChannel;
  screen: ScreenModel;
  messages: HookMessage[];
  screenStates: ScreenEntry[];
  exited: Promise<number>;
  /** Resolves with the first hook message (from index `from` on) that passes `match`. */
  waitMessage(match: (m: HookMessage) => boolean, timeoutMs: number, from?: number): Promise<HookMessage>;
  /** Resolves with the first screen state (from index `from` on) that passes `match`. */
  waitScreen(match: (s: ScreenState) => boolean, timeoutMs: number, from?: number): Promise<ScreenEntry>;
  /** Types text, waits until the input box shows it, then presses Enter (as the session does). */
  submit(text: string, timeoutMs: number): Promise<void>;
  keys(names: string[]): void;
  /** Kills the CLI (if running), waits for it, and closes the channel. */
  close(): Promise<void>;
}

export interface SignalPtyOptions {
  /** Folder the channel's folder is made in (default: the OS temp folder). */
  channelParent?: string;
  file: string;
  args: (channel: SignalChannel) => string[];
  cwd: string;
  env: Record<string, string>;
  /** Variables that depend on the channel (called after `args`), merged over `env`. */
  envFor?: (channel: SignalChannel) => Record<string, string>;
  adapter: CliAdapter;
  keyFromRuntime?: boolean;
}

function poll<T>(find: () => T | undefined, timeoutMs: number, what: string, onTimeout: () => string): Promise<T> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const tick = (): void => {
      const found = find();
      if (found !== undefined) return resolve(found);
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}\n${onTimeout()}`));
      setTimeout(tick, 25);
    };
    tick();
  });
}

export async function startSignalPty(options: SignalPtyOptions): Promise<SignalPty> {
  const channel = await SignalChannel.open({ parentDir: options.channelParent });
  const screen = new ScreenModel({ cols: 120, rows: 40, scrollback: 2000 });
  const messages: HookMessage[] = [];
  const screenStates: ScreenEntry[] = [];
  channel.received.on((m) => messages.push(m));
  let lastOutput = Date.now();
  const classify = (): void => {
    const state = options.adapter.classify(screen.snapshot(), { workdir: options.cwd, keyFromRuntime: options.keyFromRuntime ?? true, quietMs: Date.now() - lastOutput });
    const previous = screenStates[screenStates.length - 1];
    if (!previous || JSON.stringify(previous.state) !== JSON.stringify(state)) screenStates.push({ state, at: Date.now() });
  };
  screen.onChange(classify);
  const args = options.args(channel);
  const env: Record<string, string> = { ...options.env, ...channel.hookEnv(), ...options.envFor?.(channel) };
  // As the runtime does (runtime/env.ts): a CLI that sees a CI marker leaves interactive mode
  // (Gemini CLI reads stdin and exits), and CI runs these tests with CI=true.
  for (const name of CI_VARIABLES) delete env[name];
  const child = pty.spawn(options.file, args, { name: 'xterm-256color', cols: 120, rows: 40, cwd: options.cwd, env });
  child.onData((data) => {
    lastOutput = Date.now();
    screen.write(data);
  });
  let running = true;
  const exited = new Promise<number>((resolve) =>
    child.onExit(({ exitCode }) => {
      running = false;
      resolve(exitCode);
    }),
  );
  const describe = (): string => `events: ${messages.map((m) => m.event).join(', ')}\nscreen:\n${screen.snapshot().text}`;
  const self: SignalPty = {
    channel,
    screen,
    messages,
    screenStates,
    exited,
    waitMessage: (match, timeoutMs, from = 0) => poll(() => messages.slice(from).find(match), timeoutMs, 'a hook message', describe),
    waitScreen: (match, timeoutMs, from = 0) => poll(() => screenStates.slice(from).find((e) => match(e.state)), timeoutMs, 'a screen state', describe),
    async submit(text, timeoutMs) {
      child.write(text);
      // The adapter's input box, or failing that a prompt row ending in the text: a notice can
      // replace the footer the adapter anchors the box on (Codex's `⚠ 1 warning · f2 to view`).
      const typed = (): true | undefined => {
        const snapshot = screen.snapshot();
        if (options.adapter.inputText(snapshot)?.includes(text)) return true;
        return snapshot.lines.some((line) => /^\s*[›❯>]\s/.test(line) && line.trimEnd().endsWith(text)) ? true : undefined;
      };
      await poll(typed, timeoutMs, `"${text}" in the input box`, describe);
      // The session's own pause between text and Enter: a CLI that sees both in one read takes the
      // Enter as part of a paste (a newline in the box) instead of a submit.
      await new Promise((resolve) => setTimeout(resolve, options.adapter.enterDelayMs));
      child.write('\r');
    },
    keys(names) {
      for (const sequence of keysToSequences(names)) child.write(sequence);
    },
    async close() {
      if (running) {
        // The PTY child leads its own process group (setsid), so the group is exactly the CLI and
        // what it started (Codex and Gemini run helpers of their own).
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
        await exited;
      }
      screen.dispose();
      await channel.close();
    },
  };
  return self;
}

/** Saves each hook payload as test/fixtures/signals/<folder>/<nn>-<event>.json (when recording). */
export function saveFixtures(folder: string, messages: readonly HookMessage[]): string {
  const dir = path.resolve(__dirname, '../fixtures/signals', folder);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  messages.forEach((m, i) => {
    const name = `${String(i + 1).padStart(2, '0')}-${m.event}.json`;
    fs.writeFileSync(path.join(dir, name), JSON.stringify({ event: m.event, payload: m.payload }, null, 2) + '\n');
  });
  return dir;
}

/**
 * What every real-CLI signal test shares: a model server for the suite, and the HOMEs and PTYs its
 * tests create, all closed after the suite (registered with vitest's beforeAll/afterAll).
 */
export interface SignalTestWorld {
  readonly server: ModelServer;
  /** Keeps a HOME for cleanup after the suite. */
  keepHome(home: CliHome): CliHome;
  /** Keeps a PTY for closing after the suite. */
  keepPty(cli: SignalPty): SignalPty;
}

export function useSignalTestWorld(): SignalTestWorld {
  let server: ModelServer | undefined;
  const homes: CliHome[] = [];
  const ptys: SignalPty[] = [];
  beforeAll(async () => {
    server = await startModelServer();
  });
  afterAll(async () => {
    await Promise.all(ptys.map((p) => p.close()));
    for (const home of homes) home.cleanup();
    removeBuildBinDirs();
    await server?.close();
  });
  return {
    get server(): ModelServer {
      if (!server) throw new Error('the model server starts in beforeAll');
      return server;
    },
    keepHome: (home) => (homes.push(home), home),
    keepPty: (cli) => (ptys.push(cli), cli),
  };
}
