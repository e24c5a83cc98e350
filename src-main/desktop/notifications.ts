import type { RuntimeEvent } from '../../src-shared/events';
import type { NotifyRequest } from '../../src-shared/desktop';

/**
 * When to raise a native notification, as a pure decision over runtime events:
 *  - an agent asks a question or needs a login (always: it is blocked until the person acts);
 *  - an agent finishes a turn while no window of ours has focus (if it has, the person sees it);
 *  - an agent crashes (exits on its own with a failure, or fails to start).
 * Clicking one opens that agent.
 */

export interface NotificationContext {
  enabled: boolean;
  /** Some window of the app is focused. */
  appFocused: boolean;
}

function firstLine(text: string, max = 140): string {
  const line = text.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** A stop the person asked for is not news; everything else that ends non-zero or by signal is. */
export function isCrash(event: Extract<RuntimeEvent, { type: 'agent_stopped' }>): boolean {
  if (event.reason === 'stopped' || event.reason === 'normal exit') return false;
  return event.exitCode !== 0;
}

export function notificationFor(event: RuntimeEvent, context: NotificationContext): NotifyRequest | undefined {
  if (!context.enabled) return undefined;
  const name = event.agent.name;
  switch (event.type) {
    case 'question':
      return { title: `${name} needs your answer`, body: firstLine(event.question), agentId: event.agentId };
    case 'login_required':
      return {
        title: `${name} needs you to sign in`,
        body: event.deviceCode ? `Code ${event.deviceCode} — ${firstLine(event.instructions)}` : firstLine(event.instructions),
        agentId: event.agentId,
      };
    case 'message':
      if (context.appFocused) return undefined;
      return { title: `${name} finished`, body: firstLine(event.content) || 'The turn is complete.', agentId: event.agentId };
    case 'agent_stopped':
      if (!isCrash(event)) return undefined;
      return {
        title: `${name} crashed`,
        body: event.exitCode === null ? `It was ${event.reason}.` : `It exited with code ${event.exitCode}.`,
        agentId: event.agentId,
      };
    case 'agent_error':
      return { title: `${name} failed`, body: `${firstLine(event.error)} (${event.code})`, agentId: event.agentId };
    default:
      return undefined;
  }
}

/**
 * Drops a repeat of the same notification for the same agent within `windowMs`: a start-up failure
 * arrives as agent_error and then agent_stopped, and a redrawn question can be reported twice.
 */
export class NotificationThrottle {
  private readonly recent = new Map<string, number>();

  constructor(
    private readonly windowMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  admit(request: NotifyRequest): boolean {
    const agentKey = request.agentId ?? '-';
    // A crash right after a failure of the same agent is one story.
    const family = /crashed|failed$/.test(request.title) ? 'failure' : request.title;
    const key = `${agentKey}\n${family}`;
    const t = this.now();
    for (const [k, at] of this.recent) if (t - at > this.windowMs) this.recent.delete(k);
    if (this.recent.has(key)) return false;
    this.recent.set(key, t);
    return true;
  }
}
