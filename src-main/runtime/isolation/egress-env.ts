import type { LoopbackForward } from './provider-hosts';

/**
 * The environment that points a sandboxed agent's HTTP clients at sandbox-init.cjs's proxy port
 * (docs/isolation-network.md "Proxy variables"). What each CLI honours, from their bundles:
 * - Claude Code reads HTTPS_PROXY/HTTP_PROXY and NO_PROXY (either case) for its API client.
 * - Codex (Rust, reqwest) reads HTTPS_PROXY/ALL_PROXY/NO_PROXY, either case.
 * - Gemini CLI's `proxy` setting defaults to HTTPS_PROXY/https_proxy/HTTP_PROXY/http_proxy and
 *   installs an undici ProxyAgent for *every* request (it ignores NO_PROXY), so its loopback base
 *   URL goes through the proxy too; the proxy allows it by the same rule as the forward.
 * - Node ≥ 24's built-in fetch honours the variables only with NODE_USE_ENV_PROXY=1.
 * - curl, git (over HTTPS), pip, npm and Go programs read the lower- or upper-case pair.
 */

/** The proxy port inside every sandbox's network namespace (sandbox-init.cjs's default). */
export const SANDBOX_PROXY_PORT = 3128;

export interface ProxyEnvironmentOptions {
  proxyPort: number;
  loopbackForwards: readonly LoopbackForward[];
}

export function proxyEnvironment(options: ProxyEnvironmentOptions): Record<string, string> {
  const proxy = `http://127.0.0.1:${options.proxyPort}`;
  // Hosts only: few clients understand host:port in NO_PROXY, and a forwarded host's other ports
  // are refused inside the namespace either way (nothing listens there).
  const bypass = [...new Set(options.loopbackForwards.map((forward) => forward.host))].join(',');
  const env: Record<string, string> = { NODE_USE_ENV_PROXY: '1' };
  for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY']) {
    env[name] = proxy;
    env[name.toLowerCase()] = proxy;
  }
  env.NO_PROXY = bypass;
  env.no_proxy = bypass;
  return env;
}
