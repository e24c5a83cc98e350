import type { AgentHandle } from '../../src-shared/agent';
import { h } from '../lib/dom';
import { icon } from '../lib/icons';
import { isolationDetails, isolationLabel } from '../lib/isolation-text';

/**
 * The agent's isolation as a badge: mode and network ("sandbox · allowlist"), with the allowed
 * hosts, limits and refused connections in its tooltip. An agent that is not isolated gets a muted
 * "no isolation" (the agent view always shows it, so a person can tell); the list shows the badge
 * for isolated agents only, where space is short and "isolated" is the news.
 */
export function isolationBadge(agent: AgentHandle): HTMLElement {
  const isolation = agent.isolation;
  const isolated = isolation !== undefined && isolation.mode !== 'none';
  const refused = isolation?.refusedConnections ?? 0;
  return h(
    'span',
    {
      class: ['isolation-badge', isolated ? 'is-isolated' : 'is-none', refused > 0 && 'has-refused'],
      dataset: { isolation: isolation?.mode ?? 'none', ...(isolation?.network ? { network: isolation.network } : {}) },
      title: isolationDetails(isolation).join('\n'),
      attrs: { 'aria-label': `Isolation: ${isolationLabel(isolation)}${refused > 0 ? `, ${refused} refused connections` : ''}` },
    },
    isolated ? icon('shield', 'icon small') : null,
    isolationLabel(isolation),
    refused > 0 ? h('span', { class: 'refused-count', attrs: { 'aria-hidden': 'true' } }, `${refused}✕`) : null,
  );
}

/** What of the isolation a row shows; a change rebuilds the row. */
export function isolationKey(agent: AgentHandle): string {
  const i = agent.isolation;
  return i ? [i.mode, i.network ?? '', i.refusedConnections ?? 0, (i.allowedHosts ?? []).join(',')].join('/') : '';
}
