import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../../../src-main/runtime/errors';
import { addressRefusal, classifyAddress } from '../../../src-main/runtime/isolation/egress-address';
import { parseAllowRule, ruleMatches } from '../../../src-main/runtime/isolation/egress-rules';

function refusalOf(text: string): RuntimeError {
  try {
    parseAllowRule(text);
  } catch (error) {
    if (error instanceof RuntimeError) return error;
    throw error;
  }
  throw new Error(`${text} was accepted`);
}

describe('allowlist rules', () => {
  it('parses names, ports, wildcards and IP literals', () => {
    expect(parseAllowRule('API.Anthropic.com')).toMatchObject({ kind: 'name', name: 'api.anthropic.com', port: undefined });
    expect(parseAllowRule('api.openai.com:443')).toMatchObject({ kind: 'name', name: 'api.openai.com', port: 443 });
    expect(parseAllowRule('*.googleapis.com')).toMatchObject({ kind: 'suffix', suffix: 'googleapis.com' });
    expect(parseAllowRule('*.example.org:8443')).toMatchObject({ kind: 'suffix', suffix: 'example.org', port: 8443 });
    expect(parseAllowRule('127.0.0.1:9000')).toMatchObject({ kind: 'ip', address: '127.0.0.1', family: 4, port: 9000 });
    expect(parseAllowRule('[::1]:8080')).toMatchObject({ kind: 'ip', address: '::1', family: 6, port: 8080 });
    expect(parseAllowRule('[0:0::1]')).toMatchObject({ kind: 'ip', address: '::1', port: undefined });
    expect(parseAllowRule('2001:db8::5')).toMatchObject({ kind: 'ip', address: '2001:db8::5', port: undefined });
    expect(parseAllowRule('localhost:4000')).toMatchObject({ kind: 'name', name: 'localhost', port: 4000 });
  });

  it.each([
    ['', 'is empty'],
    ['*', 'every host'],
    ['*.com', 'top-level domain'],
    ['*.co.uk', 'public suffix'],
    ['*.github.io', 'public suffix'],
    ['api.*.com', '"*."'],
    ['*api.com', '"*."'],
    ['https://api.openai.com', 'not a URL'],
    ['api.openai.com/v1', 'not a URL'],
    ['host:0', 'out of range'],
    ['host:70000', 'out of range'],
    ['host:abc', 'bad port'],
    ['[::1', 'unclosed'],
    ['[example.com]:80', 'not an IPv6'],
    ['bad_host!.com', 'not a valid host name'],
    ['999.1.1.1', 'not a valid IP'],
    ['-lead.example.com', 'not a valid host name'],
  ])('refuses %j (%s)', (text, why) => {
    const error = refusalOf(text);
    expect(error.code).toBe('VALIDATION_ERROR');
    expect(error.message).toContain(why);
  });

  it('matches a name exactly, with or without a port, case-insensitively', () => {
    const anyPort = parseAllowRule('api.anthropic.com');
    expect(ruleMatches(anyPort, 'api.anthropic.com', 443)).toBe(true);
    expect(ruleMatches(anyPort, 'API.ANTHROPIC.COM.', 80)).toBe(true);
    expect(ruleMatches(anyPort, 'evil-api.anthropic.com', 443)).toBe(false);
    expect(ruleMatches(anyPort, 'api.anthropic.com.evil.net', 443)).toBe(false);
    const onePort = parseAllowRule('api.anthropic.com:443');
    expect(ruleMatches(onePort, 'api.anthropic.com', 443)).toBe(true);
    expect(ruleMatches(onePort, 'api.anthropic.com', 22)).toBe(false);
  });

  it('matches subdomains only for *.domain, on a label boundary', () => {
    const rule = parseAllowRule('*.googleapis.com');
    expect(ruleMatches(rule, 'oauth2.googleapis.com', 443)).toBe(true);
    expect(ruleMatches(rule, 'a.b.googleapis.com', 443)).toBe(true);
    expect(ruleMatches(rule, 'googleapis.com', 443)).toBe(false);
    expect(ruleMatches(rule, 'evilgoogleapis.com', 443)).toBe(false);
    expect(ruleMatches(rule, '142.250.1.1', 443)).toBe(false);
  });

  it('matches IP literals by address, never names by IP rules or IPs by name rules', () => {
    const v6 = parseAllowRule('[::1]:8080');
    expect(ruleMatches(v6, '0:0:0:0:0:0:0:1', 8080)).toBe(true);
    expect(ruleMatches(v6, '::1', 8081)).toBe(false);
    expect(ruleMatches(v6, 'localhost', 8080)).toBe(false);
    expect(ruleMatches(parseAllowRule('localhost'), '127.0.0.1', 80)).toBe(false);
    expect(ruleMatches(parseAllowRule('10.0.0.5'), '10.0.0.5', 22)).toBe(true);
  });

  it('never throws anything but a VALIDATION_ERROR on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        try {
          const rule = parseAllowRule(text);
          expect(typeof ruleMatches(rule, 'example.com', 443)).toBe('boolean');
        } catch (error) {
          expect(error).toBeInstanceOf(RuntimeError);
          expect((error as RuntimeError).code).toBe('VALIDATION_ERROR');
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('address classes', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['169.254.169.254', 'metadata'],
    ['169.254.10.1', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['fe80::1', 'link-local'],
    ['fd12:3456::1', 'private'],
    ['fd00:ec2::254', 'metadata'],
    ['2606:4700::1111', 'public'],
  ])('%s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it('lets a name reach only public addresses, unless the rule names the address or localhost:port', () => {
    const name = parseAllowRule('api.example.com');
    expect(addressRefusal(name, '93.184.216.34')).toBeUndefined();
    expect(addressRefusal(name, '127.0.0.1')).toMatch(/loopback/);
    expect(addressRefusal(name, '169.254.169.254')).toMatch(/metadata/);
    expect(addressRefusal(name, '10.0.0.2')).toMatch(/private/);
    expect(addressRefusal(parseAllowRule('127.0.0.1:4000'), '127.0.0.1')).toBeUndefined();
    expect(addressRefusal(parseAllowRule('localhost:4000'), '::1')).toBeUndefined();
    expect(addressRefusal(parseAllowRule('localhost'), '127.0.0.1')).toMatch(/loopback/);
    expect(addressRefusal(parseAllowRule('localhost:4000'), '10.0.0.1')).toMatch(/private/);
  });
});
