import { describe, expect, it } from 'vitest';
import { spawnSuppliesKey } from '../../src-main/runtime/adapters/registry';

describe('provider keys the spawn supplies (credentials or its own env)', () => {
  it('counts a key in credentials', () => {
    expect(spawnSuppliesKey('claude-code', { anthropicKey: 'sk-ant-x' }, {})).toBe(true);
    expect(spawnSuppliesKey('gemini-cli', { googleKey: 'AIza-x' }, {})).toBe(true);
  });

  it("counts each CLI's key variables in the spawn's env, like credentials", () => {
    expect(spawnSuppliesKey('claude-code', {}, { ANTHROPIC_API_KEY: 'sk-ant-x' })).toBe(true);
    expect(spawnSuppliesKey('codex', {}, { OPENAI_API_KEY: 'sk-x' })).toBe(true);
    expect(spawnSuppliesKey('codex', {}, { CODEX_API_KEY: 'sk-x' })).toBe(true);
    expect(spawnSuppliesKey('gemini-cli', {}, { GEMINI_API_KEY: 'AIza-x' })).toBe(true);
    expect(spawnSuppliesKey('aider', {}, { OPENAI_API_KEY: 'sk-x' })).toBe(true);
  });

  it("ignores another provider's key, empty values, and types that take no provider key", () => {
    expect(spawnSuppliesKey('claude-code', {}, { OPENAI_API_KEY: 'sk-x' })).toBe(false);
    expect(spawnSuppliesKey('gemini-cli', {}, { ANTHROPIC_API_KEY: 'sk-ant-x' })).toBe(false);
    // Gemini CLI reads GOOGLE_API_KEY for Vertex AI express mode, not for "Use Gemini API Key".
    expect(spawnSuppliesKey('gemini-cli', {}, { GOOGLE_API_KEY: 'AIza-x' })).toBe(false);
    expect(spawnSuppliesKey('claude-code', {}, { ANTHROPIC_API_KEY: '  ' })).toBe(false);
    expect(spawnSuppliesKey('claude-code', {}, {})).toBe(false);
    expect(spawnSuppliesKey('shell', {}, { ANTHROPIC_API_KEY: 'sk-ant-x' })).toBe(false);
    expect(spawnSuppliesKey('custom', { anthropicKey: 'sk-ant-x' }, { ANTHROPIC_API_KEY: 'sk-ant-x' })).toBe(false);
  });
});
