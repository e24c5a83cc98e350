import * as path from 'node:path';
import { SANDBOX_PROXY_PORT } from './egress-env';
import type { LoopbackForward } from './provider-hosts';

/**
 * The argv that starts an `allowlist` agent's program inside its sandbox: the runtime's own Node
 * running sandbox-init.cjs (docs/isolation-network.md "The bridge"), which bridges the network
 * namespace to the agent's egress socket and then runs the program.
 */

/**
 * Where the bridge program is: next to this file when run from source, next to the bundle in a
 * desktop build (scripts/build-desktop.ts copies it there). In a packaged app that is inside
 * app.asar, which only Electron's patched fs can read; electron-builder.yml unpacks the file, and
 * the real path is returned so a sandbox can bind exactly that file.
 */
export function sandboxInitPath(dir: string = __dirname): string {
  return path.join(dir.replace(/([\\/])app\.asar(?=[\\/]|$)/, '$1app.asar.unpacked'), 'sandbox-init.cjs');
}

export interface SandboxInitOptions {
  /**
   * The agent's egress socket, as the sandbox sees it (bind-mounted at the same path). Without
   * one (network `none` or `full`) the init only runs the program: it is still there so the
   * terminal's job signals reach the program and not the sandbox (terminal-signals.ts).
   */
  egressSocket?: string;
  loopbackForwards?: readonly LoopbackForward[];
  /** The program and its arguments. */
  program: readonly string[];
  proxyPort?: number;
  /** The Node that runs the bridge (default: the runtime's own). */
  nodePath?: string;
  /** Under Electron the runtime's Node is the app, which needs ELECTRON_RUN_AS_NODE=1. */
  runAsNode?: boolean;
  initPath?: string;
}

function authority({ host, port }: LoopbackForward): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function sandboxInitArgv(options: SandboxInitOptions): string[] {
  const runAsNode = options.runAsNode ?? process.versions.electron !== undefined;
  const argv = [
    options.nodePath ?? process.execPath,
    options.initPath ?? sandboxInitPath(),
  ];
  if (options.egressSocket !== undefined) {
    argv.push(
      '--egress-socket', options.egressSocket,
      '--proxy-port', String(options.proxyPort ?? SANDBOX_PROXY_PORT),
      ...(options.loopbackForwards ?? []).flatMap((forward) => ['--forward', authority(forward)]),
    );
  }
  // The variable is for the bridge only; the agent's program must not inherit it (an Electron app
  // it starts would run as Node).
  if (runAsNode) argv.push('--unset', 'ELECTRON_RUN_AS_NODE');
  argv.push('--', ...options.program);
  return runAsNode ? ['env', 'ELECTRON_RUN_AS_NODE=1', ...argv] : argv;
}
