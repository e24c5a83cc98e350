import { describe, expect, it } from 'vitest';
import { isAllowlistHost, LIMIT_RANGES, MAX_ALLOW_ENTRIES } from '../../../src-shared/isolation-input';
import type { IsolationLimits } from '../../../src-shared/isolation';
import { isolationRequestSchema } from '../../../src-main/server/schemas/isolation';

/** The CLI, the app's settings and Parallax's resources check against these; the spawn schema must agree. */
describe('isolation input bounds', () => {
  it.each(Object.entries(LIMIT_RANGES) as [keyof IsolationLimits, { min: number; max: number }][])('%s: the spawn schema takes exactly [min, max]', (limit, { min, max }) => {
    const accepts = (value: number) => isolationRequestSchema.safeParse({ mode: 'sandbox', limits: { [limit]: value } }).success;
    expect(accepts(min)).toBe(true);
    expect(accepts(max)).toBe(true);
    expect(accepts(min - 1)).toBe(false);
    expect(accepts(max + 1)).toBe(false);
  });

  it('the spawn schema takes as many allowlist hosts as the settings and flags may give, and no more', () => {
    const hosts = (n: number) => Array.from({ length: n }, (_, i) => `h${i}.example.com`);
    expect(isolationRequestSchema.safeParse({ mode: 'sandbox', allow: hosts(MAX_ALLOW_ENTRIES) }).success).toBe(true);
    expect(isolationRequestSchema.safeParse({ mode: 'sandbox', allow: hosts(MAX_ALLOW_ENTRIES + 1) }).success).toBe(false);
  });
});

describe('isAllowlistHost', () => {
  it.each(['example.com', 'api.example.com:443', '*.example.com', 'localhost', '10.0.0.7', '10.0.0.7:8080', '[::1]', '[::1]:8080', 'xn--bcher-kva.example'])('accepts %s', (host) => {
    expect(isAllowlistHost(host)).toBe(true);
  });

  it.each(['', 'https://example.com', 'example.com/path', 'exa mple.com', '*.', '*example.com', 'example.com:', 'example.com:123456', '-bad.example', 'user@example.com'])('refuses %j', (host) => {
    expect(isAllowlistHost(host)).toBe(false);
  });
});
