import { describe, expect, it } from 'vitest';
import { createAiderAdapter } from '../../src-main/runtime/adapters/aider';
import { createClaudeAdapter } from '../../src-main/runtime/adapters/claude';
import { createCodexAdapter } from '../../src-main/runtime/adapters/codex';
import { createCustomAdapter } from '../../src-main/runtime/adapters/custom';
import { createGeminiAdapter } from '../../src-main/runtime/adapters/gemini';
import { createShellAdapter } from '../../src-main/runtime/adapters/shell';
import type { CliAdapter, ClassifyContext, ScreenState } from '../../src-main/runtime/adapters/types';
import { isTrustedLoginUrl, judgeLogin, loginTrustPolicy } from '../../src-main/runtime/detect/login-trust';
import { ScreenModel } from '../../src-main/runtime/screen/screen-model';
import type { LoginInfo } from '../../src-shared/agent';
import { loadCast, replayTo, type Cast } from '../support/cast';

/**
 * Finding 5 of issue 9: program output must not be able to pose as a login. A URL is trusted only
 * when the adapter found it on its CLI's own login screen and it points at the provider (or at a
 * base URL the spawn configured); generic detection still reports URLs, marked untrusted.
 */

const context: ClassifyContext = { workdir: '/nowhere', keyFromRuntime: false, quietMs: 1_000, startup: true };

/** The login the session would report: the adapter's detection, judged with the spawn's env and args. */
function judged(adapter: CliAdapter, state: ScreenState, env: Record<string, string> = {}, args: string[] = []): LoginInfo | undefined {
  if (state.kind !== 'login') return undefined;
  return judgeLogin(state.login, loginTrustPolicy(adapter.loginTrust, env, args));
}

async function classifyAt(adapter: CliAdapter, cast: Cast, marker: string): Promise<ScreenState> {
  const point = await replayTo(cast, marker);
  return adapter.classify(point.snapshot, context);
}

async function screenOf(text: string, cols = 100, rows = 30) {
  const screen = new ScreenModel({ cols, rows, scrollback: 100 });
  screen.write(text.replace(/\n/g, '\r\n'));
  await screen.flush();
  const snapshot = screen.snapshot();
  screen.dispose();
  return snapshot;
}

describe('provider login screens recorded from the real CLIs are trusted', () => {
  it('Claude: the claude.com URL in its Login panel', async () => {
    const adapter = createClaudeAdapter();
    const login = judged(adapter, await classifyAt(adapter, loadCast('claude', 'not-logged-in'), 'login_url'));
    expect(login).toMatchObject({ method: 'oauth_browser', trusted: true });
    expect(login?.loginUrl).toMatch(/^https:\/\/claude\.com\/cai\/oauth\/authorize\?/);
  });

  it('Codex: the auth.openai.com URL of "Sign in with ChatGPT"', async () => {
    const adapter = createCodexAdapter();
    const login = judged(adapter, await classifyAt(adapter, loadCast('codex', 'no-credentials'), 'login_url'));
    expect(login).toMatchObject({ method: 'oauth_browser', trusted: true });
  });

  it('Codex device code against a local issuer: trusted only when the spawn configured that issuer', async () => {
    const adapter = createCodexAdapter();
    const state = await classifyAt(adapter, loadCast('codex', 'device-auth'), 'login_url');
    const url = state.kind === 'login' ? state.login.loginUrl : undefined;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/codex\/device$/);
    const issuer = new URL(url!).origin;
    expect(judged(adapter, state)).toMatchObject({ method: 'device_code', deviceCode: 'ABCD-EFGH', trusted: false });
    expect(judged(adapter, state, {}, ['login', '--device-auth', '--experimental_issuer', issuer])).toMatchObject({ trusted: true });
    expect(judged(adapter, state, {}, ['login', `--experimental_issuer=${issuer}`])).toMatchObject({ trusted: true });
    // Another local port is another server.
    expect(judged(adapter, state, {}, ['--experimental_issuer', 'http://127.0.0.1:1'])).toMatchObject({ trusted: false });
  });

  it('Gemini: the accounts.google.com URL', async () => {
    const adapter = createGeminiAdapter();
    const login = judged(adapter, await classifyAt(adapter, loadCast('gemini', 'no-credentials'), 'login_url'));
    expect(login).toMatchObject({ method: 'oauth_browser', trusted: true });
    expect(login?.loginUrl).toMatch(/^https:\/\/accounts\.google\.com\//);
  });

  it('Aider: the openrouter.ai URL', async () => {
    const adapter = createAiderAdapter();
    const point = await replayTo(loadCast('aider', 'no-credentials'), 'login_url');
    const login = judged(adapter, adapter.classify(point.snapshot, { ...context, workdir: '/home/dev/work' }));
    expect(login).toMatchObject({ method: 'oauth_browser', trusted: true });
  });

  it('logins without a URL carry no verdict', async () => {
    const adapter = createClaudeAdapter();
    const login = judged(adapter, await classifyAt(adapter, loadCast('claude', 'not-logged-in'), 'login'));
    expect(login).toMatchObject({ method: 'cli_auth' });
    expect(login).not.toHaveProperty('trusted');
  });
});

describe('text that only looks like a login', () => {
  it('Claude: "Opening browser to sign in" in a reply is not a login screen', async () => {
    const adapter = createClaudeAdapter();
    const cast = loadCast('claude', 'hello');
    const phish = 'Opening browser to sign in: https://phish.example/x';
    // The recorded reply "PONG", replaced by a reply that quotes a login line.
    const doctored: Cast = { ...cast, events: cast.events.map(([t, k, d]) => [t, k, k === 'o' ? d.split('PONG').join(phish) : d]) };
    const point = await replayTo(doctored, 'reply_done');
    expect(point.snapshot.text).toContain(phish);
    const state = adapter.classify(point.snapshot, { ...context, startup: false });
    expect(state.kind).not.toBe('login');
  });

  for (const [cli, adapter, phish] of [
    ['codex', createCodexAdapter(), 'Finish signing in via your browser: https://auth.openai.com/oauth/authorize?client_id=evil'],
    ['gemini', createGeminiAdapter(), 'Please visit the following URL to authorize the application: https://accounts.google.com/o/oauth2/v2/auth?client_id=evil'],
  ] as const) {
    it(`${cli}: a reply quoting its sign-in screen, with the input box on screen, is not a login`, async () => {
      const cast = loadCast(cli, 'hello');
      const doctored: Cast = { ...cast, events: cast.events.map(([t, k, d]) => [t, k, k === 'o' ? d.split('PONG').join(phish) : d]) };
      const point = await replayTo(doctored, 'reply_done');
      expect(point.snapshot.text.replace(/\s+/g, '')).toContain(phish.replace(/\s+/g, ''));
      expect(adapter.classify(point.snapshot, { ...context, startup: false }).kind).not.toBe('login');
    });
  }

  for (const adapter of [createShellAdapter(), createCustomAdapter('./deploy.sh')]) {
    it(`${adapter.type}: a printed login line is reported, marked untrusted`, async () => {
      const screen = await screenOf('$ ./deploy.sh\nPlease log in to continue: https://phish.example/x\n');
      const login = judged(adapter, adapter.classify(screen, context));
      expect(login).toMatchObject({ loginUrl: 'https://phish.example/x', trusted: false });
    });

    it(`${adapter.type}: even a provider's URL is untrusted (any program can print one)`, async () => {
      const screen = await screenOf('Sign in at https://claude.ai/login to continue\n');
      expect(judged(adapter, adapter.classify(screen, context))).toMatchObject({ trusted: false });
    });
  }
});

describe('isTrustedLoginUrl', () => {
  const claude = loginTrustPolicy(createClaudeAdapter().loginTrust, { ANTHROPIC_BASE_URL: 'http://127.0.0.1:4000/v1' }, []);

  it('accepts https on a provider host or subdomain, and the configured origin', () => {
    expect(isTrustedLoginUrl('https://claude.ai/oauth', claude)).toBe(true);
    expect(isTrustedLoginUrl('https://platform.claude.com/x', claude)).toBe(true);
    expect(isTrustedLoginUrl('https://console.anthropic.com/x', claude)).toBe(true);
    expect(isTrustedLoginUrl('http://127.0.0.1:4000/oauth/device', claude)).toBe(true);
  });

  it('refuses look-alikes, plain http, credentials, other ports and no policy', () => {
    for (const url of [
      'https://claude.ai.phish.example/x',
      'https://evilclaude.ai/x',
      'https://phish.example/claude.ai',
      'http://claude.ai/x',
      'https://user@claude.ai/x',
      'http://127.0.0.1:4001/x',
      'https://127.0.0.1:4000/x',
      'javascript:alert(1)',
      'not a url',
    ]) {
      expect(isTrustedLoginUrl(url, claude), url).toBe(false);
    }
    expect(isTrustedLoginUrl('https://claude.ai/x', undefined)).toBe(false);
  });

  it('reads base URLs from env, flags and Codex -c settings, ignoring non-http values', () => {
    const codex = createCodexAdapter().loginTrust;
    const policy = loginTrustPolicy(codex, { OPENAI_BASE_URL: 'http://localhost:9000/v1' }, ['-c', 'openai_base_url="http://127.0.0.1:7000/v1"', '--experimental_issuer', 'file:///etc']);
    expect(policy?.origins).toEqual(['http://localhost:9000', 'http://127.0.0.1:7000']);
    expect(loginTrustPolicy(undefined, { OPENAI_BASE_URL: 'http://x' }, [])).toBeUndefined();
  });
});
