import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { proxyEnvironment } from '../../../src-main/runtime/isolation/egress-env';
import { parseAllowRule } from '../../../src-main/runtime/isolation/egress-rules';
import { providerHosts } from '../../../src-main/runtime/isolation/provider-hosts';
import { sandboxInitArgv, sandboxInitPath } from '../../../src-main/runtime/isolation/sandbox-init-command';
import { createCliHome } from '../../support/cli-home';

const made: string[] = [];
function codexHome(config: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-codex-home-'));
  made.push(dir);
  fs.writeFileSync(path.join(dir, 'config.toml'), config);
  return dir;
}
afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('provider hosts', () => {
  it('gives each CLI its API and sign-in hosts, all valid rules', () => {
    const claude = providerHosts('claude-code', {}, []);
    expect(claude.rules).toEqual(expect.arrayContaining(['api.anthropic.com:443', 'platform.claude.com:443']));
    const codex = providerHosts('codex', {}, []);
    expect(codex.rules).toEqual(expect.arrayContaining(['api.openai.com:443', 'auth.openai.com:443', 'chatgpt.com:443']));
    const gemini = providerHosts('gemini-cli', {}, []);
    expect(gemini.rules).toEqual(
      expect.arrayContaining(['generativelanguage.googleapis.com:443', 'cloudcode-pa.googleapis.com:443', 'oauth2.googleapis.com:443']),
    );
    for (const { rules } of [claude, codex, gemini]) {
      for (const rule of rules) expect(() => parseAllowRule(rule)).not.toThrow();
    }
    expect(claude.loopbackForwards).toEqual([]);
  });

  it('adds the base URL the test harness gives Claude Code, as a loopback forward', () => {
    // The same variables test/support/cli-home.ts gives the real Claude Code.
    const hosts = providerHosts('claude-code', { ANTHROPIC_BASE_URL: 'http://127.0.0.1:41234', ANTHROPIC_API_KEY: 'sk-ant-test' }, []);
    expect(hosts.rules).toContain('127.0.0.1:41234');
    expect(hosts.loopbackForwards).toEqual([{ host: '127.0.0.1', port: 41234 }]);
  });

  it('reads Gemini base URL and Vertex location', () => {
    const hosts = providerHosts(
      'gemini-cli',
      { GOOGLE_GEMINI_BASE_URL: 'http://localhost:5555/', GOOGLE_GENAI_USE_VERTEXAI: 'true', GOOGLE_CLOUD_LOCATION: 'europe-west4' },
      [],
    );
    expect(hosts.rules).toEqual(expect.arrayContaining(['localhost:5555', 'europe-west4-aiplatform.googleapis.com:443']));
    expect(hosts.loopbackForwards).toEqual([{ host: 'localhost', port: 5555 }]);
  });

  it("reads Codex's model provider base_url from $CODEX_HOME/config.toml, and -c overrides", () => {
    // The config test/support/cli-home.ts writes for the real Codex.
    const home = codexHome(
      [
        'model_provider = "local"',
        'check_for_update_on_startup = false',
        '[model_providers.local]',
        'name = "Local test model"',
        'base_url = "http://127.0.0.1:40001/v1"',
        'wire_api = "responses"',
        '[model_providers.remote]',
        "base_url = 'https://llm.example.com/v1'",
        'other = { base_url = "http://[::1]:40003/v1" }',
      ].join('\n'),
    );
    const hosts = providerHosts('codex', { CODEX_HOME: home }, ['-c', 'model_providers.x.base_url="http://127.0.0.1:40002/v1"', '--config=model="gpt"']);
    expect(hosts.rules).toEqual(
      expect.arrayContaining(['api.openai.com:443', '127.0.0.1:40001', 'llm.example.com:443', '[::1]:40003', '127.0.0.1:40002']),
    );
    expect(hosts.loopbackForwards).toEqual(
      expect.arrayContaining([
        { host: '127.0.0.1', port: 40001 },
        { host: '::1', port: 40003 },
        { host: '127.0.0.1', port: 40002 },
      ]),
    );
    expect(hosts.loopbackForwards).toHaveLength(3);
  });

  it('falls back to ~/.codex/config.toml and ignores a missing one', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-home-'));
    made.push(home);
    expect(providerHosts('codex', { HOME: home }, []).loopbackForwards).toEqual([]);
    fs.mkdirSync(path.join(home, '.codex'));
    fs.writeFileSync(path.join(home, '.codex', 'config.toml'), 'openai_base_url = "http://127.0.0.1:40010/v1"\n');
    expect(providerHosts('codex', { HOME: home }, []).rules).toContain('127.0.0.1:40010');
  });

  it.each(['claude', 'codex', 'gemini'] as const)('finds the model server in the HOME and env the real-CLI tests give %s', (cli) => {
    const home = createCliHome(cli, 'logged-in', { baseUrl: 'http://127.0.0.1:45678', preAcceptTrust: true });
    made.push(home.root);
    const type = ({ claude: 'claude-code', codex: 'codex', gemini: 'gemini-cli' } as const)[cli];
    const hosts = providerHosts(type, home.env, []);
    expect(hosts.rules).toContain('127.0.0.1:45678');
    expect(hosts.loopbackForwards).toEqual([{ host: '127.0.0.1', port: 45678 }]);
  });

  it('gives shell, custom, echo and aider only their configured base URLs', () => {
    expect(providerHosts('shell', {}, [])).toEqual({ rules: [], loopbackForwards: [] });
    expect(providerHosts('custom', { ANTHROPIC_BASE_URL: 'https://gateway.example.com' }, []).rules).toEqual(['gateway.example.com:443']);
    const aider = providerHosts('aider', { OPENAI_API_BASE: 'http://127.0.0.1:7000/v1' }, ['--openai-api-base', 'http://127.0.0.1:7001']);
    expect(aider.rules).toEqual(['127.0.0.1:7000', '127.0.0.1:7001']);
    expect(aider.loopbackForwards).toHaveLength(2);
  });

  it('ignores base URLs that are not http(s) URLs', () => {
    expect(providerHosts('claude-code', { ANTHROPIC_BASE_URL: 'not a url' }, []).rules).not.toContain('not a url');
    expect(providerHosts('custom', { OPENAI_BASE_URL: 'file:///etc/passwd' }, []).rules).toEqual([]);
  });
});

describe('proxy environment', () => {
  it('points every proxy variable at the bridge and bypasses only forwarded loopback hosts', () => {
    const env = proxyEnvironment({ proxyPort: 3128, loopbackForwards: [{ host: '127.0.0.1', port: 4000 }, { host: '127.0.0.1', port: 4001 }] });
    for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'all_proxy']) {
      expect(env[name]).toBe('http://127.0.0.1:3128');
    }
    expect(env.NO_PROXY).toBe('127.0.0.1');
    expect(env.no_proxy).toBe('127.0.0.1');
    expect(env.NODE_USE_ENV_PROXY).toBe('1');
    expect(proxyEnvironment({ proxyPort: 3128, loopbackForwards: [] }).NO_PROXY).toBe('');
  });
});

describe('sandbox-init argv', () => {
  it('runs the bridge with the runtime Node, the socket, the forwards and the program after "--"', () => {
    const argv = sandboxInitArgv({
      egressSocket: '/state/a1/egress.sock',
      loopbackForwards: [{ host: '127.0.0.1', port: 4000 }, { host: '::1', port: 4001 }],
      program: ['claude', '--model', 'x'],
      nodePath: '/opt/node',
      initPath: '/opt/sandbox-init.cjs',
      runAsNode: false,
    });
    expect(argv).toEqual([
      '/opt/node', '/opt/sandbox-init.cjs', '--egress-socket', '/state/a1/egress.sock', '--proxy-port', '3128',
      '--forward', '127.0.0.1:4000', '--forward', '[::1]:4001', '--', 'claude', '--model', 'x',
    ]);
  });

  it('finds the bridge beside this module, and outside app.asar in a packaged app', () => {
    expect(fs.existsSync(sandboxInitPath())).toBe(true);
    expect(sandboxInitPath('/opt/Raven/resources/app.asar/dist/desktop')).toBe('/opt/Raven/resources/app.asar.unpacked/dist/desktop/sandbox-init.cjs');
    expect(sandboxInitPath('/home/me/app.asarx/dist')).toBe('/home/me/app.asarx/dist/sandbox-init.cjs');
  });

  it('under Electron, sets ELECTRON_RUN_AS_NODE for the bridge and unsets it for the program', () => {
    const argv = sandboxInitArgv({ egressSocket: '/s', loopbackForwards: [], program: ['sh'], nodePath: '/app/raven', initPath: '/i.cjs', runAsNode: true });
    expect(argv).toEqual(['env', 'ELECTRON_RUN_AS_NODE=1', '/app/raven', '/i.cjs', '--egress-socket', '/s', '--proxy-port', '3128', '--unset', 'ELECTRON_RUN_AS_NODE', '--', 'sh']);
  });
});
