import type { LoginInfo } from '../../../src-shared/agent';

/**
 * Which login URLs the runtime vouches for (docs/login-trust.md).
 *
 * Anything a program prints can look like a login: `printf 'Please log in: https://phish.example'`
 * in a shell agent, or a model's reply quoting a sign-in screen. A URL is therefore `trusted` only
 * when a CLI adapter found it on that CLI's own login screen *and* it points at that CLI's
 * provider (over https) or at a base URL the spawn itself configured (a local model server or
 * issuer in tests and self-hosted set-ups). Everything else is still reported, marked
 * `trusted: false`, so a person sees it with a warning and nothing opens it by itself.
 */

export interface LoginTrustRules {
  /** Provider hosts; a URL on one of them or a subdomain of one, over https, is trusted. */
  hosts: readonly string[];
  /** Environment variables whose value is a base URL the CLI signs in against. */
  baseUrlEnv?: readonly string[];
  /** Command-line flags whose value (next argument or `--flag=value`) is such a base URL. */
  baseUrlFlags?: readonly string[];
  /** `-c key=value` style config keys (Codex) whose value is such a base URL. */
  baseUrlConfigKeys?: readonly string[];
}

/** What one session trusts: provider hosts plus the exact origins its spawn configured. */
export interface LoginTrustPolicy {
  hosts: readonly string[];
  origins: readonly string[];
}

function originOf(value: string): string | undefined {
  try {
    const url = new URL(value.trim().replace(/^["']|["']$/g, ''));
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

function flagValues(args: readonly string[], flag: string): string[] {
  const out: string[] = [];
  args.forEach((arg, i) => {
    if (arg === flag && i + 1 < args.length) out.push(args[i + 1]);
    else if (arg.startsWith(`${flag}=`)) out.push(arg.slice(flag.length + 1));
  });
  return out;
}

/** The policy for one spawn: the adapter's rules applied to the env and args it was started with. */
export function loginTrustPolicy(rules: LoginTrustRules | undefined, env: Readonly<Record<string, string>>, args: readonly string[]): LoginTrustPolicy | undefined {
  if (!rules) return undefined;
  const values: string[] = [];
  for (const name of rules.baseUrlEnv ?? []) if (env[name]) values.push(env[name]);
  for (const flag of rules.baseUrlFlags ?? []) values.push(...flagValues(args, flag));
  for (const key of rules.baseUrlConfigKeys ?? []) {
    for (const setting of [...flagValues(args, '-c'), ...flagValues(args, '--config')]) {
      const eq = setting.indexOf('=');
      if (eq > 0 && setting.slice(0, eq).trim() === key) values.push(setting.slice(eq + 1));
    }
  }
  const origins = [...new Set(values.map(originOf).filter((o): o is string => o !== undefined))];
  return { hosts: rules.hosts, origins };
}

/** True when `raw` is an https URL on a provider host, or has exactly a configured origin. */
export function isTrustedLoginUrl(raw: string, policy: LoginTrustPolicy | undefined): boolean {
  if (!policy) return false;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.username !== '' || url.password !== '') return false;
  if (policy.origins.includes(url.origin)) return true;
  if (url.protocol !== 'https:') return false;
  const host = url.hostname.toLowerCase();
  return policy.hosts.some((h) => host === h || host.endsWith(`.${h}`));
}

/**
 * The login with its verdict. `policy` is undefined for adapters without login screens of their
 * own (shell, custom): their logins come from generic detection and are never trusted.
 */
export function judgeLogin(login: LoginInfo, policy: LoginTrustPolicy | undefined): LoginInfo {
  if (login.loginUrl === undefined) {
    const judged = { ...login };
    delete judged.trusted;
    return judged;
  }
  return { ...login, trusted: isTrustedLoginUrl(login.loginUrl, policy) };
}
