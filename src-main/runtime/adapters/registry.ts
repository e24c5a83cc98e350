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

/**
 * Environment variables through which each CLI reads its provider key. A key a spawn request puts in
 * its own `env` was handed over by the caller exactly like `credentials` (Raven Docs passes keys
 * this way), so it counts as the spawn's own key. A key the runtime merely inherits from the user's
 * environment does not: approving that one is the person's call.
 */
const PROVIDER_KEY_ENV: Partial<Record<AgentType, readonly string[]>> = {
  'claude-code': ['ANTHROPIC_API_KEY'],
  codex: ['OPENAI_API_KEY', 'CODEX_API_KEY'],
  // Only GEMINI_API_KEY: the answer the runtime gives is "Use Gemini API Key", which reads that
  // variable; Gemini CLI takes GOOGLE_API_KEY for Vertex AI express mode, a choice left to a person.
  'gemini-cli': ['GEMINI_API_KEY'],
  aider: ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'GEMINI_API_KEY', 'GOOGLE_API_KEY'],
};

/** Whether the spawn itself supplied a provider key for this type: in `credentials` or in its `env`. */
export function spawnSuppliesKey(type: AgentType, credentials: ProviderCredentials, spawnEnv: Readonly<Record<string, string>>): boolean {
  if (providerKeyFor(type, credentials)) return true;
  return (PROVIDER_KEY_ENV[type] ?? []).some((name) => typeof spawnEnv[name] === 'string' && spawnEnv[name].trim() !== '');
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
