import { describe, expect, it } from 'vitest';
import {
  checkExternalUrl,
  contentSecurityPolicy,
  isAllowedNavigation,
  isLoopbackHost,
  isPermissionAllowed,
  isTrustedSender,
} from '../../src-main/desktop/guards';

const APP = 'http://127.0.0.1:8765';

describe('openExternal guard', () => {
  it('opens https anywhere and http only on loopback', () => {
    expect(checkExternalUrl('https://claude.ai/oauth/authorize?code=1')).toEqual({ ok: true, url: 'https://claude.ai/oauth/authorize?code=1' });
    expect(checkExternalUrl('http://127.0.0.1:1455/auth/callback').ok).toBe(true);
    expect(checkExternalUrl('http://localhost:3000/').ok).toBe(true);
    expect(checkExternalUrl('http://[::1]:8080/').ok).toBe(true);
    expect(checkExternalUrl('http://127.1.2.3/').ok).toBe(false);
    expect(checkExternalUrl('http://example.com/')).toEqual({ ok: false, reason: 'plain http is only opened for this computer (localhost)' });
  });

  it('refuses other schemes, credentials, junk and huge URLs', () => {
    for (const url of ['file:///etc/passwd', 'smb://host/share', 'javascript:alert(1)', 'vscode://x', 'data:text/html,hi', 'ms-msdt:/id']) {
      expect(checkExternalUrl(url).ok, url).toBe(false);
    }
    expect(checkExternalUrl('https://user:pw@example.com/')).toEqual({ ok: false, reason: 'URLs with credentials are not opened' });
    expect(checkExternalUrl('not a url').ok).toBe(false);
    expect(checkExternalUrl(42).ok).toBe(false);
    expect(checkExternalUrl(`https://example.com/${'a'.repeat(9000)}`).ok).toBe(false);
  });

  it('does not treat look-alike hosts as loopback', () => {
    expect(isLoopbackHost('127.0.0.1.evil.com')).toBe(false);
    expect(isLoopbackHost('localhost.evil.com')).toBe(false);
    expect(checkExternalUrl('http://127.0.0.1.nip.io/').ok).toBe(false);
  });

  it('counts only localhost, 127.0.0.1 and [::1] as loopback: not *.localhost or the rest of 127/8', () => {
    for (const host of ['localhost', 'LOCALHOST', '127.0.0.1', '[::1]', '::1']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['app.localhost', 'evil.localhost', '127.0.0.2', '127.1.2.3', '0.0.0.0', '[::ffff:127.0.0.1]']) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
    expect(checkExternalUrl('http://app.localhost:1455/callback')).toEqual({ ok: false, reason: 'plain http is only opened for this computer (localhost)' });
    expect(checkExternalUrl('http://127.0.0.2:1455/').ok).toBe(false);
    expect(checkExternalUrl('http://[::1]:1455/auth/callback').ok).toBe(true);
    expect(checkExternalUrl('http://127.0.0.1:1455/auth/callback').ok).toBe(true);
  });
});

describe('navigation guard', () => {
  it('allows only the app origin', () => {
    expect(isAllowedNavigation('http://127.0.0.1:8765/#/agents/a1', APP)).toBe(true);
    expect(isAllowedNavigation('http://127.0.0.1:8766/', APP)).toBe(false);
    expect(isAllowedNavigation('http://localhost:8765/', APP)).toBe(false);
    expect(isAllowedNavigation('https://evil.example/', APP)).toBe(false);
    expect(isAllowedNavigation('file:///tmp/x.html', APP)).toBe(false);
    expect(isAllowedNavigation('garbage', APP)).toBe(false);
  });

  it('trusts IPC only from frames of the app origin', () => {
    expect(isTrustedSender('http://127.0.0.1:8765/', APP)).toBe(true);
    expect(isTrustedSender('https://evil.example/', APP)).toBe(false);
    expect(isTrustedSender(undefined, APP)).toBe(false);
    expect(isTrustedSender(null, APP)).toBe(false);
  });
});

describe('permissions', () => {
  it('denies by default and allows clipboard writes only to our pages', () => {
    for (const p of ['media', 'geolocation', 'notifications', 'midi', 'openExternal', 'hid', 'clipboard-read', 'fullscreen']) {
      expect(isPermissionAllowed(p, `${APP}/`, APP), p).toBe(false);
    }
    expect(isPermissionAllowed('clipboard-sanitized-write', `${APP}/`, APP)).toBe(true);
    expect(isPermissionAllowed('clipboard-sanitized-write', 'https://evil.example/', APP)).toBe(false);
    expect(isPermissionAllowed('clipboard-sanitized-write', undefined, APP)).toBe(false);
  });
});

describe('content security policy', () => {
  it('allows scripts only from self and sockets only to the app', () => {
    const csp = contentSecurityPolicy(APP);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(csp).toContain("connect-src 'self' ws://127.0.0.1:8765");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
  });
});
