/**
 * One agent's structured signals, ready for the session to adopt (docs/signals.md "Fused"): opens
 * the channel, says what to add to the CLI's arguments and environment, and turns every accepted
 * hook message into an `AgentSignal` with the parser of that CLI. It also remembers the last event,
 * which is what `GET /agents/:id` will show as "signals live".
 */
import type { AgentType } from '../../../src-shared/agent';
import { Emitter } from '../../../src-shared/emitter';
import { silentLogger, type Logger } from '../logger';
import { SignalChannel, type ChannelRejection, type HookMessage } from './channel';
import { parseClaudeHook, writeClaudeHookSettings } from './claude-hooks';
import { codexNotifyArgs, parseCodexNotify } from './codex-notify';
import { geminiUserSettingsLayer, parseGeminiHook, writeGeminiHookSettings } from './gemini-hooks';
import type { UserSettingsLayer } from '../isolation/types';
import { defaultHookProgram, type HookProgram } from './hook-command';
import type { AgentSignal } from './signal';

/** The agent types that have structured signals. */
export type SignalAgentType = Extract<AgentType, 'claude-code' | 'codex' | 'gemini-cli'>;

export function hasSignals(type: AgentType): type is SignalAgentType {
  return type === 'claude-code' || type === 'codex' || type === 'gemini-cli';
}

/** Names the source in logs and in the agent's details. */
export const SIGNAL_SOURCE: Record<SignalAgentType, string> = {
  'claude-code': 'claude-hooks',
  codex: 'codex-notify',
  'gemini-cli': 'gemini-hooks',
};

export interface AgentSignalsOptions {
  /** Where the channel folder goes: the data folder (Gemini needs a folder no one else can write above). */
  parentDir?: string;
  program?: HookProgram;
  logger?: Logger;
  /** Gemini only: the system-defaults file to carry over (default: the user's variable, else the machine's). */
  geminiInheritedDefaults?: string;
  /** Codex only: the user's own notify program (their config.toml's), which ours replaces and so runs on. */
  codexUserNotify?: readonly string[];
  /**
   * The agent's home is the runtime's own copy (a sandbox's private home): Gemini's hooks then go
   * into that home's user settings (`setup.userSettings`) instead of a system layer, which works
   * for any user.
   */
  runtimeOwnedHome?: boolean;
}

export interface SignalSetup {
  /** Arguments to add to the CLI's command line. */
  args: string[];
  /** Variables to add to the CLI's environment. */
  env: Record<string, string>;
  /**
   * Why the CLI will not run the runtime's hooks, when that is known up front (Gemini's root-owned
   * rule); the session then relies on the screen alone.
   */
  unavailable?: string;
  /** Additions to the CLI's user settings in a runtime-owned home (the isolation backend writes them). */
  userSettings?: UserSettingsLayer[];
}

export class AgentSignals {
  readonly signals: Emitter<[signal: AgentSignal, message: HookMessage]>;
  /** Refused lines (forged token, oversize…): worth a warning, never a state change. */
  readonly rejected: Emitter<[rejection: ChannelRejection]>;
  /** The last accepted hook message's event and time, or undefined before the first. */
  lastEvent: { event: string; at: number } | undefined;
  private readonly subscriptions: { dispose(): void }[] = [];

  private constructor(
    readonly type: SignalAgentType,
    readonly channel: SignalChannel,
    readonly setup: SignalSetup,
    logger: Logger,
  ) {
    const onListenerError = (error: unknown): void => logger.error('signal listener failed', { error: String(error) });
    this.signals = new Emitter({ onListenerError });
    this.rejected = new Emitter({ onListenerError });
    const parse = type === 'claude-code' ? parseClaudeHook : type === 'codex' ? parseCodexNotify : parseGeminiHook;
    this.subscriptions.push(
      channel.received.on((message) => {
        this.lastEvent = { event: message.event, at: message.receivedAt };
        const signal = parse(message);
        if (signal) this.signals.emit(signal, message);
      }),
      channel.rejected.on((rejection) => {
        logger.warn('signal refused', { source: SIGNAL_SOURCE[type], reason: rejection.reason, detail: rejection.detail });
        this.rejected.emit(rejection);
      }),
    );
  }

  static async open(type: SignalAgentType, options: AgentSignalsOptions = {}): Promise<AgentSignals> {
    const logger = options.logger ?? silentLogger;
    const channel = await SignalChannel.open({ parentDir: options.parentDir, logger });
    const program = options.program ?? defaultHookProgram();
    let setup: SignalSetup;
    try {
      setup = setupFor(type, channel, program, options);
    } catch (error) {
      await channel.close();
      throw error;
    }
    return new AgentSignals(type, channel, setup, logger);
  }

  async close(): Promise<void> {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.signals.dispose();
    this.rejected.dispose();
    await this.channel.close();
  }
}

function setupFor(type: SignalAgentType, channel: SignalChannel, program: HookProgram, options: AgentSignalsOptions): SignalSetup {
  switch (type) {
    case 'claude-code':
      return { args: writeClaudeHookSettings(channel.dir, program).args, env: channel.hookEnv() };
    case 'codex':
      return { args: codexNotifyArgs(program, options.codexUserNotify), env: channel.hookEnv() };
    case 'gemini-cli': {
      // The channel's variables ride in each hook's own `env`, so the CLI (and every tool it runs)
      // never sees the token.
      if (options.runtimeOwnedHome) return { args: [], env: {}, userSettings: [geminiUserSettingsLayer(program, channel.hookEnv())] };
      const layer = writeGeminiHookSettings(channel.dir, program, channel.hookEnv(), options.geminiInheritedDefaults);
      return { args: [], env: layer.env, ...(layer.refusal !== undefined ? { unavailable: layer.refusal } : {}) };
    }
  }
}
