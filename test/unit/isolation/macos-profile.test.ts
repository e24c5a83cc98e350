import { describe, expect, it } from 'vitest';
import { renderMacProfile, sandboxExecArgv, sbplString, type MacProfileInput } from '../../../src-main/runtime/isolation/macos-profile';
import type { ResolvedIsolation } from '../../../src-main/runtime/isolation/types';

function input(policy: Partial<ResolvedIsolation> = {}, extra: Partial<MacProfileInput> = {}): MacProfileInput {
  return {
    policy: { mode: 'sandbox', network: 'none', allow: [], writable: [], readOnly: [], limits: {}, ...policy },
    workdir: '/Users/me/project',
    home: '/Users/me/Library/Raven/sandboxes/a1/home',
    tmp: '/Users/me/Library/Raven/sandboxes/a1/tmp',
    runtimePaths: ['/Applications/Raven.app/Contents/Resources/node', '/Users/me/Library/Raven/signals'],
    resolvePath: (p) => p,
    ...extra,
  };
}

/** The rules of a profile that grant `operation` (one rule per line). */
function rules(profile: string, operation: string): string[] {
  return profile.split('\n').filter((line) => line.startsWith('(allow ') && line.split(' (')[0].includes(operation));
}

describe('SBPL strings', () => {
  it('escapes quotes and backslashes', () => {
    expect(sbplString('/a "b"\\c')).toBe('"/a \\"b\\"\\\\c"');
  });

  it('refuses control characters (a newline could start a rule of its own)', () => {
    for (const hostile of ['/a\n(allow default)', '/a\rb', '/a\u0000b', '/a\u001bb']) {
      expect(() => sbplString(hostile)).toThrow(expect.objectContaining({ code: 'VALIDATION_ERROR' }));
    }
  });
});

describe('macOS sandbox profile', () => {
  it('denies by default and allows writes only to the workdir, private home and tmp, and the writable paths', () => {
    const profile = renderMacProfile(input({ writable: ['/Users/me/.cache/tool'] }));
    expect(profile.split('\n').slice(0, 2)).toEqual(['(version 1)', '(deny default)']);
    expect(profile).not.toContain('(allow default)');
    const writes = rules(profile, 'file-write*').join('\n');
    for (const p of ['/Users/me/project', '/Users/me/Library/Raven/sandboxes/a1/home', '/Users/me/Library/Raven/sandboxes/a1/tmp', '/Users/me/.cache/tool']) {
      expect(writes).toContain(`(subpath "${p}")`);
    }
    expect(writes).not.toContain('(subpath "/Users/me")');
    expect(profile).toContain('(allow process-fork)');
    expect(profile).toContain('(allow process-exec)');
  });

  it('lets the agent read the system, the read-only paths and the runtime files, not the real home', () => {
    const profile = renderMacProfile(input({ readOnly: ['/Users/me/.gitconfig'] }));
    const reads = rules(profile, 'file-read*').join('\n');
    expect(reads).toContain('(subpath "/usr")');
    expect(reads).toContain('(subpath "/System")');
    expect(reads).toContain('(subpath "/Users/me/.gitconfig")');
    expect(reads).toContain('(subpath "/Applications/Raven.app/Contents/Resources/node")');
    expect(reads).not.toMatch(/\(subpath "\/Users\/me"\)/);
  });

  it('network none: no IP rule at all', () => {
    const profile = renderMacProfile(input());
    expect(profile).not.toContain('remote ip');
    expect(profile).not.toContain('(allow network*)');
  });

  it('network allowlist: outbound only to the proxy port on localhost', () => {
    const profile = renderMacProfile(input({ network: 'allowlist' }, { proxyPort: 41234 }));
    expect(rules(profile, 'network-outbound').filter((line) => line.includes('remote ip'))).toEqual(['(allow network-outbound (remote ip "localhost:41234"))']);
    expect(profile).not.toContain('(allow network*)');
    expect(() => renderMacProfile(input({ network: 'allowlist' }))).toThrow(expect.objectContaining({ code: 'ISOLATION_UNAVAILABLE' }));
  });

  it('network full: every socket', () => {
    expect(renderMacProfile(input({ network: 'full' }))).toContain('(allow network*)');
  });

  it('keeps hostile but printable paths inside their string, and refuses ones with line breaks', () => {
    const profile = renderMacProfile(input({ writable: ['/tmp/x") (allow default) ("'] }));
    expect(profile).toContain('(subpath "/tmp/x\\") (allow default) (\\"")');
    expect(profile.split('\n').filter((line) => line === '(allow default)')).toEqual([]);
    expect(() => renderMacProfile(input({ writable: ['/tmp/x\n(allow default)'] }))).toThrow(expect.objectContaining({ code: 'VALIDATION_ERROR' }));
    expect(() => renderMacProfile(input({}, { workdir: 'relative/dir' }))).toThrow(expect.objectContaining({ code: 'VALIDATION_ERROR' }));
  });

  it('matches resolved paths (Seatbelt sees /private/tmp, not /tmp)', () => {
    const profile = renderMacProfile(input({ writable: ['/tmp/work'] }, { resolvePath: (p) => p.replace(/^\/tmp\//, '/private/tmp/') }));
    expect(profile).toContain('(subpath "/private/tmp/work")');
  });

  it('runs the program through sandbox-exec with the profile inline', () => {
    expect(sandboxExecArgv('(version 1)', 'claude', ['--x', 'y z'])).toEqual(['/usr/bin/sandbox-exec', '-p', '(version 1)', 'claude', '--x', 'y z']);
  });
});
