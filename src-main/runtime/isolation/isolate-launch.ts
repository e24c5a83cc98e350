import * as path from 'node:path';
import type { AgentType } from '../../../src-shared/agent';
import { echoScriptPath } from '../adapters/echo';
import { RuntimeError } from '../errors';
import type { Logger } from '../logger';
import { hookClientPath } from '../signals/channel';
import type { IsolatedLaunch, IsolationBackend, LaunchSpec, ResolvedIsolation, UserSettingsLayer } from './types';

/**
 * The manager's one step between "the program as it would start" and "the program the PTY starts"
 * (docs/isolation.md): `none` leaves the launch exactly as it was (no IsolatedLaunch at all), the
 * other modes go through their backend. A backend not wired into this runtime is refused with
 * ISOLATION_UNAVAILABLE rather than run unisolated.
 */

export interface IsolationBackends {
  sandbox?: IsolationBackend;
  container?: IsolationBackend;
}

export interface IsolateRequest {
  policy: ResolvedIsolation;
  launch: LaunchSpec;
  agentId: string;
  type: AgentType;
  dataDir: string;
  /** The signal channel's folder, when the agent has one (its hooks connect to the socket in it). */
  signalDir?: string;
  /** Settings the runtime adds to the private home's copies (the CLI's hooks, for Gemini). */
  userSettings?: UserSettingsLayer[];
  log: Logger;
}

/** The runtime's own files a sandboxed program may need: its Node, the echo agent, the hook client. */
export function runtimeReadPaths(signalDir: string | undefined): string[] {
  const paths = [process.execPath, path.dirname(echoScriptPath()), path.dirname(hookClientPath())];
  if (signalDir) paths.push(signalDir);
  return [...new Set(paths)];
}

export async function isolateLaunch(request: IsolateRequest, backends: IsolationBackends): Promise<IsolatedLaunch | undefined> {
  const { policy } = request;
  if (policy.mode === 'none') return undefined;
  const backend = backends[policy.mode];
  if (!backend) {
    throw new RuntimeError('ISOLATION_UNAVAILABLE', `The ${policy.mode} backend is not wired into this runtime yet.`, { mode: policy.mode });
  }
  return backend.prepare(request.launch, policy, {
    agentId: request.agentId,
    type: request.type,
    stateDir: path.join(request.dataDir, 'sandboxes', request.agentId),
    runtimePaths: runtimeReadPaths(request.signalDir),
    ...(request.userSettings ? { userSettings: request.userSettings } : {}),
    log: request.log,
  });
}
