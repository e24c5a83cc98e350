import type { AgentType, ProviderCredentials } from '../../../src-shared/agent';
import { createAiderAdapter } from './aider';
import { createClaudeAdapter } from './claude';
import { createCodexAdapter } from './codex';
import { createCustomAdapter } from './custom';
import { createEchoAdapter } from './echo';
import { createGeminiAdapter } from './gemini';
import { createShellAdapter } from './shell';
import type { CliAdapter } from './types';

/** The adapter for a canonical type; `custom` needs its command. */
export function adapterFor(type: AgentType, command?: string): CliAdapter {
  switch (type) {
    case 'claude-code':
      return createClaudeAdapter();
    case 'codex':
      return createCodexAdapter();
    case 'gemini-cli':
      return createGeminiAdapter();
    case 'aider':
      return createAiderAdapter();
    case 'shell':
      return createShellAdapter();
    case 'custom':
      return createCustomAdapter(command ?? '');
    case 'echo':
      return createEchoAdapter();
  }
}

/** The provider key an agent type uses, if the runtime has one for it. */
export function providerKeyFor(type: AgentType, credentials: ProviderCredentials): string | undefined {
  switch (type) {
    case 'claude-code':
      return credentials.anthropicKey;
    case 'codex':
      return credentials.openaiKey;
    case 'gemini-cli':
      return credentials.googleKey;
    case 'aider':
      return credentials.anthropicKey ?? credentials.openaiKey ?? credentials.googleKey;
    default:
      return undefined;
  }
}
