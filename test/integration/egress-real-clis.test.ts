/**
 * The real Claude Code, Codex and Gemini CLI inside a bubblewrap sandbox with the `allowlist`
 * network (docs/isolation-network.md): their only way out is sandbox-init.cjs and the egress
 * proxy, with the rules providerHosts gives them. Each must reach ready and get its reply from the
 * loopback model server; nothing the model server needs is refused.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AgentType } from '../../src-shared/agent';
import { createClaudeAdapter } from '../../src-main/runtime/adapters/claude';
import { createCodexAdapter } from '../../src-main/runtime/adapters/codex';
import { createGeminiAdapter } from '../../src-main/runtime/adapters/gemini';
import type { CliAdapter } from '../../src-main/runtime/adapters/types';
import { proxyEnvironment, SANDBOX_PROXY_PORT } from '../../src-main/runtime/isolation/egress-env';
import { EgressProxy, type RefusedConnection } from '../../src-main/runtime/isolation/egress-proxy';
import { providerHosts } from '../../src-main/runtime/isolation/provider-hosts';
import { sandboxInitArgv } from '../../src-main/runtime/isolation/sandbox-init-command';

const REPO_ROOT = path.resolve(__dirname, '../..');
import { ignoreTerminalSignalsPrefix } from '../../src-main/runtime/isolation/terminal-signals';
import { createLogger } from '../../src-main/runtime/logger';
import { cliSpawnEnv, createCliHome, type CliName } from '../support/cli-home';
import { buildBinary, buildFor, buildLabel } from '../support/cli-versions';
import { startSignalPty, useSignalTestWorld } from '../support/signal-pty';
import { until } from '../support/until';

const hasBwrap = spawnSync('bwrap', ['--version']).status === 0;
const TEST_TIMEOUT = 120_000;
const world = useSignalTestWorld();

const CASES: { cli: CliName; type: AgentType; adapter: () => CliAdapter }[] = [
  { cli: 'claude', type: 'claude-code', adapter: createClaudeAdapter },
  { cli: 'codex', type: 'codex', adapter: createCodexAdapter },
  { cli: 'gemini', type: 'gemini-cli', adapter: createGeminiAdapter },
];

describe.skipIf(!hasBwrap).each(CASES)('$cli in a sandbox with the allowlist network', ({ cli, type, adapter }) => {
  const build = buildFor(cli, 'pinned');
  it(
    `${buildLabel(build)}: reaches ready and gets its reply through the bridge`,
    async () => {
      const home = world.keepHome(createCliHome(cli, 'logged-in', { baseUrl: world.server.url, preAcceptTrust: true, preApproveKey: true }));
      const env = cliSpawnEnv(home);
      const stateDir = path.join(home.root, 'state');
      fs.mkdirSync(stateDir, { mode: 0o700 });
      const socketPath = path.join(stateDir, 'egress.sock');
      const hosts = providerHosts(type, env, []);
      expect(hosts.loopbackForwards).toEqual([{ host: '127.0.0.1', port: world.server.port }]);
      const proxy = await EgressProxy.start({ socketPath, rules: hosts.rules, agentId: `it-${cli}`, log: createLogger('silent') });
      const refused: RefusedConnection[] = [];
      proxy.onRefused((entry) => refused.push(entry));
      try {
        const sandbox = [
          'bwrap', '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp',
          '--unshare-net', '--unshare-pid', '--die-with-parent',
          // HOME, workdir and the agent's state folder (its socket, the signal channel) live here.
          '--bind', home.root, home.root,
          // The repository (the CLIs, sandbox-init.cjs) may itself be under /tmp, as a CI clone is.
          '--ro-bind', REPO_ROOT, REPO_ROOT,
          ...sandboxInitArgv({ egressSocket: socketPath, loopbackForwards: hosts.loopbackForwards, program: [buildBinary(build)] }),
        ];
        const [file, ...prefix] = ignoreTerminalSignalsPrefix();
        const agent = world.keepPty(
          await startSignalPty({
            file: file as string,
            args: () => [...prefix, ...sandbox],
            cwd: home.workdir,
            env: { ...env, ...proxyEnvironment({ proxyPort: SANDBOX_PROXY_PORT, loopbackForwards: hosts.loopbackForwards }) },
            channelParent: stateDir,
            adapter: adapter(),
          }),
        );
        await agent.waitScreen((state) => state.kind === 'ready', 60_000);
        const before = world.server.requests.length;
        await agent.submit('hello', 20_000);
        // The model server is on the host: the turn reaching it is the proof the bridge carried it.
        const turn = await until(() => world.server.requests.slice(before).find((request) => request.kind === 'turn'), 60_000, `${cli}'s turn at the model server`);
        expect(turn.reply).toBe('text:PONG');
        // Forwarded or proxied, every connection went through this agent's proxy.
        expect(proxy.stats().allowed).toBeGreaterThanOrEqual(1);
        await until(() => agent.screen.snapshot().text.includes('PONG'), 30_000, 'PONG on the screen');
        // Whatever else the CLI tried (Codex looks at github.com), the model server was never refused.
        expect(refused.filter((entry) => entry.port === world.server.port)).toEqual([]);
        await agent.close();
      } finally {
        await proxy.close();
      }
    },
    TEST_TIMEOUT,
  );
});
