import type { EditableSettings } from '../../src-shared/desktop';
import type { ConfirmPort, ConfirmRequest, DialogPort } from './electron-ports';

/**
 * The questions the main process asks the person itself, in a native dialog a page can neither
 * draw nor click (docs/desktop-security.md). A compromised or confused renderer can ask for
 * anything over the bridge; these are the requests where "the page asked" is not enough.
 */

/** A ConfirmPort on top of the message box: Cancel is the default and what Esc answers. */
export function dialogConfirm(dialog: DialogPort): ConfirmPort {
  return {
    async confirm(request) {
      const index = await dialog.messageBox({
        type: 'warning',
        title: request.title,
        message: request.message,
        detail: request.detail,
        buttons: ['Cancel', request.confirmLabel],
        defaultId: 0,
        cancelId: 0,
        parent: request.parent,
      });
      return index === 1;
    },
  };
}

/** A login link no known sign-in screen showed (LoginInfo.trusted false): open it only on a yes. */
export function untrustedLoginRequest(agentName: string, url: string): ConfirmRequest {
  return {
    title: 'Open this sign-in link?',
    message: `${agentName} printed a link that looks like a sign-in page`,
    detail:
      `${url}\n\nIt did not come from a known sign-in screen of this CLI, so any program running in the agent could have ` +
      'printed it, and it may lead to a fake login page. Open it only if you expected it.',
    confirmLabel: 'Open link',
  };
}

/** What in a settings change weakens the API's protection, and so needs the person's own yes. */
export interface RiskyChange {
  /** Origins the change adds: web pages that could then drive the agents from a browser. */
  addedOrigins: string[];
  /** The change removes the API key: any local program may then use the API. */
  clearsApiKey: boolean;
}

export function riskyChange(current: Pick<EditableSettings, 'allowedOrigins' | 'apiKey'>, next: Partial<EditableSettings>): RiskyChange | undefined {
  const addedOrigins = (next.allowedOrigins ?? []).filter((origin) => !current.allowedOrigins.includes(origin));
  const clearsApiKey = next.apiKey === '' && current.apiKey !== '';
  return addedOrigins.length > 0 || clearsApiKey ? { addedOrigins, clearsApiKey } : undefined;
}

export function settingsChangeRequest(change: RiskyChange): ConfirmRequest {
  const parts: string[] = [];
  if (change.addedOrigins.length > 0) {
    parts.push(`Allow these web pages to use the API from a browser (start, read and type into agents):\n${change.addedOrigins.map((o) => `  • ${o}`).join('\n')}`);
  }
  if (change.clearsApiKey) parts.push('Remove the API key: every program on this computer can then use the API without one.');
  return {
    title: 'Confirm a security setting',
    message: 'The settings page asks to loosen who may use the Raven Agent Runtime API',
    detail: `${parts.join('\n\n')}\n\nConfirm only if you made this change yourself.`,
    confirmLabel: 'Apply',
  };
}
