import type { AgentIsolation, IsolationLimits, IsolationMode, NetworkMode } from '../../src-shared/isolation';

/**
 * Isolation in words, for the badge, its tooltip and the forms. One place, so the agent row, the
 * agent view, the spawn form and the settings page say the same thing.
 */

export const MODE_LABELS: Readonly<Record<IsolationMode, string>> = {
  none: 'None',
  sandbox: 'Sandbox',
  container: 'Container',
};

export const MODE_HELP: Readonly<Record<IsolationMode, string>> = {
  none: 'Runs as you, like any program you start: it can read and change everything you can.',
  sandbox: 'Sees only its folder, a private home and the system (read-only); cannot see your other programs.',
  container: 'Runs in a docker or podman container with only its folder mounted.',
};

export const NETWORK_LABELS: Readonly<Record<NetworkMode, string>> = {
  none: 'No network',
  allowlist: 'Allowlist',
  full: 'Full network',
};

export const NETWORK_HELP: Readonly<Record<NetworkMode, string>> = {
  none: 'No connections at all.',
  allowlist: "Only its provider's API, and the hosts you add; everything else is refused and counted.",
  full: 'The network as this machine has it.',
};

/** "sandbox · allowlist", "container · none", or "no isolation". */
export function isolationLabel(isolation: AgentIsolation | undefined): string {
  if (!isolation || isolation.mode === 'none') return 'no isolation';
  return isolation.network ? `${isolation.mode} · ${isolation.network}` : isolation.mode;
}

export function limitsText(limits: IsolationLimits | undefined): string | undefined {
  const parts: string[] = [];
  if (limits?.memoryMb !== undefined) parts.push(`memory ${limits.memoryMb} MiB`);
  if (limits?.cpuPercent !== undefined) parts.push(`CPU ${limits.cpuPercent}% of a core`);
  if (limits?.maxProcesses !== undefined) parts.push(`${limits.maxProcesses} processes`);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

/** The badge's tooltip: what the agent may reach, its limits, and what was refused. One fact a line. */
export function isolationDetails(isolation: AgentIsolation | undefined): string[] {
  if (!isolation || isolation.mode === 'none') return ['No isolation: this agent runs as you, with your files, programs and network.'];
  const lines = [`${MODE_LABELS[isolation.mode]}: ${MODE_HELP[isolation.mode]}`];
  if (isolation.engine || isolation.image) lines.push(`Container: ${[isolation.engine, isolation.image].filter(Boolean).join(', ')}`);
  if (isolation.network) lines.push(`Network: ${NETWORK_LABELS[isolation.network]}`);
  if (isolation.network === 'allowlist') {
    lines.push(isolation.allowedHosts && isolation.allowedHosts.length > 0 ? `Allowed hosts: ${isolation.allowedHosts.join(', ')}` : 'Allowed hosts: none');
  }
  const limits = limitsText(isolation.limits);
  lines.push(limits ? `Limits: ${limits}${isolation.limitsEnforcedBy && isolation.limitsEnforcedBy !== 'none' ? ` (${isolation.limitsEnforcedBy})` : ''}` : 'Limits: none');
  if (isolation.refusedConnections !== undefined) lines.push(`Refused connections: ${isolation.refusedConnections}`);
  return lines;
}
