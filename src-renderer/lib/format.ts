import type { AgentHandle, AgentStatus } from '../../src-shared/agent';

export const STATUS_LABELS: Readonly<Record<AgentStatus, string>> = {
  pending: 'Pending',
  starting: 'Starting',
  authenticating: 'Needs login',
  ready: 'Ready',
  busy: 'Working',
  waiting_input: 'Needs answer',
  stopping: 'Stopping',
  stopped: 'Stopped',
  error: 'Error',
};

/** Badge colour families; the CSS defines each. */
export type StatusTone = 'ok' | 'busy' | 'wait' | 'attention' | 'off' | 'error';

export function statusTone(status: AgentStatus): StatusTone {
  switch (status) {
    case 'ready':
      return 'ok';
    case 'busy':
      return 'busy';
    case 'pending':
    case 'starting':
    case 'stopping':
      return 'wait';
    case 'authenticating':
    case 'waiting_input':
      return 'attention';
    case 'error':
      return 'error';
    default:
      return 'off';
  }
}

export function isLive(agent: AgentHandle): boolean {
  return agent.status !== 'stopped' && agent.status !== 'error';
}

/** Died while starting (or could not start): shown red, as "Failed", with what to fix. */
export function isFailed(agent: AgentHandle): boolean {
  return !isLive(agent) && agent.error !== undefined;
}

/** What a person can do about a failed start: sign in, or give the agent a key. */
export function failureFix(agent: AgentHandle): string | undefined {
  const login = agent.lastLogin;
  if (!login) return agent.error ? 'Check the command and its output in the terminal, then restart.' : undefined;
  if (login.method === 'api_key') return `Give the agent an API key (Settings → API keys, or the spawn's credentials), then restart it. ${login.instructions}`;
  return `Sign in, then restart it: ${login.instructions}${login.loginUrl && !login.instructions.includes(login.loginUrl) ? ` (${login.loginUrl})` : ''}`;
}

export function needsPerson(agent: AgentHandle): boolean {
  return agent.status === 'waiting_input' || agent.status === 'authenticating';
}

/** 0:42, 12:03, 3h 05m, 2d 4h: compact, and it never jumps in width within a minute. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 3600) return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  const hours = Math.floor(s / 3600);
  if (hours < 48) return `${hours}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

export function uptimeText(agent: AgentHandle, now: number = Date.now()): string {
  const start = Date.parse(agent.startedAt ?? agent.createdAt);
  if (Number.isNaN(start)) return '';
  if (!isLive(agent)) {
    const end = agent.stoppedAt ? Date.parse(agent.stoppedAt) : now;
    return `ran ${duration(end - start)}`;
  }
  return duration(now - start);
}

/** `/home/ann/src/app` → `~/src/app` when the home folder is recognisable. */
export function shortPath(dir: string): string {
  const home = /^(\/Users\/[^/]+|\/home\/[^/]+|\/root(?=\/|$)|[A-Za-z]:\\Users\\[^\\]+)/.exec(dir);
  return home ? `~${dir.slice(home[0].length)}` : dir;
}

export function timeAgo(iso: string | undefined, now: number = Date.now()): string {
  if (!iso) return '';
  const ms = now - Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  if (ms < 45_000) return 'just now';
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min ago`;
  if (ms < 86_400_000) return `${Math.round(ms / 3_600_000)} h ago`;
  return new Date(iso).toLocaleDateString();
}

/**
 * Splits a command line the way a POSIX shell would for plain words and quotes (no expansion):
 * `--model "gpt 5" -v` → ['--model', 'gpt 5', '-v']. Returns an error for an unclosed quote.
 */
export function splitArgs(text: string): { ok: true; args: string[] } | { ok: false; error: string } {
  const args: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length && '"\\$`'.includes(text[i + 1])) current += text[++i];
      else current += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      current += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) args.push(current);
      current = '';
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (quote) return { ok: false, error: `Unclosed ${quote === '"' ? 'double' : 'single'} quote.` };
  if (inWord) args.push(current);
  return { ok: true, args };
}

/** Platform of this browser, for shortcut labels. */
export function isMac(): boolean {
  return /Mac|iPhone|iPad/.test(navigator.platform) || navigator.userAgent.includes('Mac OS X');
}

/**
 * How a stopped agent's process ended, in words. An agent stopped on request also ends by a signal
 * (ours), which is not news to the person who pressed Stop.
 */
export function exitText(agent: Pick<AgentHandle, 'exitCode' | 'reason'>): string {
  if (agent.reason === 'stopped') return 'stopped on request';
  if (agent.exitCode === undefined) return '';
  if (agent.exitCode === null) return agent.reason ?? 'ended by a signal';
  return `exit code ${agent.exitCode}`;
}
