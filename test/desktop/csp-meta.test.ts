import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'vite';
import { afterAll, describe, expect, it } from 'vitest';
import { contentSecurityPolicy, metaContentSecurityPolicy } from '../../src-main/desktop/guards';

/**
 * The page carries a `<meta>` copy of the CSP (issue 9, finding 13), equal to the policy the code
 * defines, and Vite's production build keeps it.
 */

const ROOT = path.resolve(__dirname, '../..');
const META = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"\s*\/?>/i;
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-csp-build-'));

afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

function directives(policy: string): Map<string, string> {
  return new Map(policy.split(';').map((d) => d.trim()).filter(Boolean).map((d) => [d.split(/\s+/)[0], d] as [string, string]));
}

describe('the page’s <meta> Content-Security-Policy', () => {
  it('is in src-renderer/index.html and equals metaContentSecurityPolicy()', () => {
    const html = fs.readFileSync(path.join(ROOT, 'src-renderer/index.html'), 'utf8');
    expect(META.exec(html)?.[1]).toBe(metaContentSecurityPolicy());
  });

  it('says the same as the header, except what a <meta> cannot say', () => {
    const header = directives(contentSecurityPolicy('http://127.0.0.1:8765'));
    const meta = directives(metaContentSecurityPolicy());
    expect(meta.has('frame-ancestors')).toBe(false);
    expect(meta.get('connect-src')).toBe("connect-src 'self'");
    for (const [name, value] of meta) if (name !== 'connect-src') expect(header.get(name)).toBe(value);
    expect([...header.keys()].filter((k) => !meta.has(k))).toEqual(['frame-ancestors']);
  });

  it('survives the Vite production build', async () => {
    await build({ configFile: path.join(ROOT, 'vite.config.mts'), logLevel: 'silent', build: { outDir, emptyOutDir: true, sourcemap: false } });
    const built = fs.readFileSync(path.join(outDir, 'index.html'), 'utf8');
    expect(META.exec(built)?.[1]).toBe(metaContentSecurityPolicy());
    // The built page loads its script from its own origin, which the policy allows.
    expect(built).toMatch(/<script type="module" crossorigin src="\.\/assets\/[^"]+\.js"><\/script>/);
  }, 60_000);
});
