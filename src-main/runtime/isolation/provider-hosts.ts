import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AgentType } from '../../../src-shared/agent';
import { classifyAddress } from './egress-address';
import { parseAllowRule } from './egress-rules';

/**
 * What an `allowlist` agent may reach without the user listing anything: the hosts its CLI needs
 * for model calls and for signing in, plus every base URL the spawn pointed it at
 * (docs/isolation-network.md "Provider hosts"). Hosts were taken from the CLIs' own bundles
 * (Claude Code 2.1.197, Codex 0.169.0, Gemini CLI 0.61.0); documentation and help links a user
 * opens in a browser are left out.
 */

export interface LoopbackForward {
  host: string;
  port: number;
}

export interface ProviderHosts {
  /** Allowlist rules (egress-rules.ts syntax). */
  rules: string[];
  /** Loopback base URLs, listened on inside the sandbox and tunnelled to the host's. */
  loopbackForwards: LoopbackForward[];
}

const CLAUDE_HOSTS: readonly string[] = [
  // The Messages API, and the OAuth endpoints that turn a sign-in into a key (profile, roles,
  // create_api_key live under /api/oauth/ on the same host).
  'api.anthropic.com:443',
  // OAuth token exchange and refresh (`TOKEN_URL`) after a browser sign-in.
  'platform.claude.com:443',
  // The same token endpoint as earlier Claude Code versions named it.
  'console.anthropic.com:443',
];

const CODEX_HOSTS: readonly string[] = [
  // The Responses API when signed in with an API key.
  'api.openai.com:443',
  // Sign-in: OAuth token exchange and refresh, the device-code flow (`/api/accounts/deviceauth`).
  'auth.openai.com:443',
  // The ChatGPT-plan backend (`/backend-api/codex`) Codex talks to when signed in with ChatGPT.
  'chatgpt.com:443',
];

const GEMINI_HOSTS: readonly string[] = [
  // The Gemini API (API-key sign-in).
  'generativelanguage.googleapis.com:443',
  // Code Assist, the API behind "Sign in with Google" (`CODE_ASSIST_ENDPOINT`).
  'cloudcode-pa.googleapis.com:443',
  // OAuth token exchange and refresh.
  'oauth2.googleapis.com:443',
  // The account's e-mail after sign-in (`/oauth2/v2/userinfo`) and Google's token certificates.
  'www.googleapis.com:443',
  // The sign-in page; the CLI prints it for a browser, and opens it in one started inside.
  'accounts.google.com:443',
];

/** Base-URL variables each CLI reads (found in their bundles); every one a spawn sets is allowed. */
const BASE_URL_VARIABLES: Readonly<Record<'claude' | 'codex' | 'gemini' | 'aider', readonly string[]>> = {
  claude: [
    'ANTHROPIC_BASE_URL',
    'CLAUDE_CODE_API_BASE_URL',
    'ANTHROPIC_BEDROCK_BASE_URL',
    'ANTHROPIC_VERTEX_BASE_URL',
    'ANTHROPIC_FOUNDRY_BASE_URL',
  ],
  codex: ['OPENAI_BASE_URL', 'CODEX_OSS_BASE_URL'],
  gemini: ['GOOGLE_GEMINI_BASE_URL', 'GOOGLE_VERTEX_BASE_URL', 'CODE_ASSIST_ENDPOINT'],
  // Aider goes through litellm, which reads these per provider.
  aider: ['OPENAI_API_BASE', 'OPENAI_BASE_URL', 'ANTHROPIC_BASE_URL', 'ANTHROPIC_API_BASE', 'OLLAMA_API_BASE', 'GEMINI_API_BASE'],
};

const ALL_BASE_URL_VARIABLES: readonly string[] = [...new Set(Object.values(BASE_URL_VARIABLES).flat())];

/** Codex config keys that hold a URL it calls (config.toml or `-c key=value`). */
const CODEX_URL_KEY = /(?:^|\.)(?:base_url|openai_base_url|chatgpt_base_url)$/;

/** A base URL → an allowlist rule, and a forward when it is on this machine's loopback. */
function fromUrl(text: string): { rule: string; forward?: LoopbackForward } | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return undefined;
  }
  const defaults: Record<string, number> = { 'http:': 80, 'https:': 443, 'ws:': 80, 'wss:': 443 };
  const defaultPort = defaults[url.protocol];
  if (defaultPort === undefined || url.hostname === '') return undefined;
  const port = url.port === '' ? defaultPort : Number(url.port);
  const bracketed = url.hostname.startsWith('[');
  const host = bracketed ? url.hostname.slice(1, -1) : url.hostname;
  const rule = bracketed ? `[${host}]:${port}` : `${host}:${port}`;
  const loopback = host === 'localhost' || classifyAddress(host) === 'loopback';
  return loopback ? { rule, forward: { host, port } } : { rule };
}

/** The value of `--flag value` / `--flag=value` wherever it appears in `args`. */
function flagValues(args: readonly string[], names: readonly string[]): string[] {
  const values: string[] = [];
  args.forEach((arg, index) => {
    for (const name of names) {
      if (arg === name && index + 1 < args.length) values.push(args[index + 1] as string);
      else if (arg.startsWith(`${name}=`)) values.push(arg.slice(name.length + 1));
    }
  });
  return values;
}

function unquote(value: string): string {
  const trimmed = value.trim();
  const match = /^"((?:[^"\\]|\\.)*)"$|^'([^']*)'$/.exec(trimmed);
  if (!match) return trimmed;
  return match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : (match[2] as string);
}

/** URLs from Codex's `-c key=value` overrides whose key is a base URL. */
function codexArgUrls(args: readonly string[]): string[] {
  return flagValues(args, ['-c', '--config']).flatMap((override) => {
    const equals = override.indexOf('=');
    if (equals < 0) return [];
    return CODEX_URL_KEY.test(override.slice(0, equals).trim()) ? [unquote(override.slice(equals + 1))] : [];
  });
}

/**
 * Base URLs in Codex's config.toml: `base_url` of any `[model_providers.*]` table (or inline
 * table), `openai_base_url`, `chatgpt_base_url`. A scan for those keys rather than a TOML parser:
 * the file is the user's, and a key in a table Codex does not read only widens the list by a host
 * the user wrote there themselves.
 */
function codexConfigUrls(env: Record<string, string>): string[] {
  const home = env.CODEX_HOME ?? (env.HOME ? path.join(env.HOME, '.codex') : undefined);
  if (!home) return [];
  let text: string;
  try {
    text = fs.readFileSync(path.join(home, 'config.toml'), 'utf8');
  } catch {
    return [];
  }
  const urls: string[] = [];
  const pattern = /(?:^|[\s{,])(base_url|openai_base_url|chatgpt_base_url)\s*=\s*("(?:[^"\\\n]|\\.)*"|'[^'\n]*')/gm;
  for (const match of text.matchAll(pattern)) urls.push(unquote(match[2] as string));
  return urls;
}

function baseUrlsFor(type: AgentType, env: Record<string, string>, args: readonly string[]): string[] {
  const fromEnv = (names: readonly string[]) => names.map((name) => env[name]).filter((value): value is string => !!value);
  switch (type) {
    case 'claude-code':
      return fromEnv(BASE_URL_VARIABLES.claude);
    case 'codex':
      return [...fromEnv(BASE_URL_VARIABLES.codex), ...codexConfigUrls(env), ...codexArgUrls(args)];
    case 'gemini-cli':
      return fromEnv(BASE_URL_VARIABLES.gemini);
    case 'aider':
      return [...fromEnv(BASE_URL_VARIABLES.aider), ...flagValues(args, ['--openai-api-base', '--api-base'])];
    case 'shell':
    case 'custom':
    case 'echo':
      // No provider of their own: whatever base URL the spawn configured for the CLI they may run.
      return fromEnv(ALL_BASE_URL_VARIABLES);
  }
}

function fixedHosts(type: AgentType, env: Record<string, string>): readonly string[] {
  switch (type) {
    case 'claude-code':
      return CLAUDE_HOSTS;
    case 'codex':
      return CODEX_HOSTS;
    case 'gemini-cli': {
      // Vertex AI is regional: `<location>-aiplatform.googleapis.com`.
      const location = env.GOOGLE_CLOUD_LOCATION;
      const vertex = env.GOOGLE_GENAI_USE_VERTEXAI && location && /^[a-z0-9-]+$/.test(location)
        ? [`${location}-aiplatform.googleapis.com:443`, 'aiplatform.googleapis.com:443']
        : [];
      return [...GEMINI_HOSTS, ...vertex];
    }
    default:
      return [];
  }
}

/** The allowlist rules and loopback forwards an agent of `type` gets for its spawn's env and args. */
export function providerHosts(type: AgentType, env: Record<string, string>, args: string[]): ProviderHosts {
  const rules = new Set<string>(fixedHosts(type, env));
  const forwards = new Map<string, LoopbackForward>();
  for (const text of baseUrlsFor(type, env, args)) {
    const found = fromUrl(text);
    if (!found) continue;
    rules.add(found.rule);
    if (found.forward) forwards.set(found.rule, found.forward);
  }
  return { rules: [...rules], loopbackForwards: [...forwards.values()] };
}

/**
 * Everything an `allowlist` agent may reach: its provider hosts and configured base URLs, plus the
 * policy's own `allow` rules, where a loopback address with a port the user allowed
 * (`127.0.0.1:8080`, `[::1]:8080`, `localhost:8080`) is forwarded as a base URL is: most clients
 * never send loopback traffic through a proxy.
 */
export function egressHosts(type: AgentType, env: Record<string, string>, args: string[], allow: readonly string[]): ProviderHosts {
  const hosts = providerHosts(type, env, args);
  const loopbackForwards = [...hosts.loopbackForwards];
  for (const forward of allow.map(allowedLoopbackTarget)) {
    if (forward && !loopbackForwards.some((f) => f.host === forward.host && f.port === forward.port)) loopbackForwards.push(forward);
  }
  return { rules: [...new Set([...hosts.rules, ...allow])], loopbackForwards };
}

function allowedLoopbackTarget(text: string): LoopbackForward | undefined {
  const rule = parseAllowRule(text);
  if (rule.port === undefined) return undefined;
  if (rule.kind === 'ip' && classifyAddress(rule.address) === 'loopback') return { host: rule.address, port: rule.port };
  if (rule.kind === 'name' && rule.name === 'localhost') return { host: '127.0.0.1', port: rule.port };
  return undefined;
}
