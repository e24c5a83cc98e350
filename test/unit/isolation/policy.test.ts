import { describe, expect, it } from 'vitest';
import { resolveIsolation } from '../../../src-main/runtime/isolation/policy';

const ctx = { workdir: '/home/ada/project', home: '/home/ada' };

describe('resolveIsolation', () => {
  it('is `none` with the full network when nothing asks for isolation', () => {
    expect(resolveIsolation(undefined, { mode: 'none' }, ctx)).toEqual({ mode: 'none', network: 'full', allow: [], writable: [], readOnly: [], limits: {} });
    // `none` cannot take the network away, whatever the request says.
    expect(resolveIsolation({ mode: 'none', network: 'none' }, { mode: 'none' }, ctx).network).toBe('full');
  });

  it('defaults the network to allowlist for sandbox and container', () => {
    expect(resolveIsolation('sandbox', { mode: 'none' }, ctx).network).toBe('allowlist');
    expect(resolveIsolation('container', { mode: 'none' }, ctx).network).toBe('allowlist');
    expect(resolveIsolation(undefined, { mode: 'sandbox', network: 'none' }, ctx)).toMatchObject({ mode: 'sandbox', network: 'none' });
  });

  it("lets the spawn's fields win field by field over the runtime default", () => {
    const defaults = { mode: 'sandbox' as const, network: 'none' as const, writable: ['/srv/cache'], readOnly: ['~/.gitconfig'], limits: { memoryMb: 512, maxProcesses: 100 }, allow: ['a.example'] };
    const resolved = resolveIsolation({ mode: 'sandbox', network: 'full', limits: { memoryMb: 256 }, allow: ['b.example'] }, defaults, ctx);
    expect(resolved).toEqual({
      mode: 'sandbox',
      network: 'full',
      allow: ['a.example', 'b.example'],
      writable: ['/srv/cache'],
      readOnly: ['/home/ada/.gitconfig'],
      limits: { memoryMb: 256, maxProcesses: 100 },
    });
    // A mode name alone keeps the default's other fields.
    expect(resolveIsolation('sandbox', defaults, ctx).writable).toEqual(['/srv/cache']);
    expect(resolveIsolation({ mode: 'sandbox', writable: [] }, defaults, ctx).writable).toEqual([]);
  });

  it('expands ~ to the real home and normalises paths', () => {
    const resolved = resolveIsolation({ mode: 'sandbox', readOnly: ['~', '~/.ssh/../.gitconfig', '/etc/x/'], writable: ['/var/tmp/out'] }, { mode: 'none' }, ctx);
    expect(resolved.readOnly).toEqual(['/home/ada', '/home/ada/.gitconfig', '/etc/x']);
    expect(resolved.writable).toEqual(['/var/tmp/out']);
  });

  it('refuses relative paths, naming the field', () => {
    expect(() => resolveIsolation({ mode: 'sandbox', writable: ['out'] }, { mode: 'none' }, ctx)).toThrow(expect.objectContaining({ code: 'VALIDATION_ERROR', details: { field: 'isolation.writable' } }));
    expect(() => resolveIsolation({ mode: 'sandbox', readOnly: ['~user/x'] }, { mode: 'none' }, ctx)).toThrow(expect.objectContaining({ details: { field: 'isolation.readOnly' } }));
  });

  it('refuses a sandbox rooted at /, the home or an ancestor of it, saying why', () => {
    for (const workdir of ['/', '/home/ada', '/home', '/home/ada/']) {
      let error: unknown;
      try {
        resolveIsolation('sandbox', { mode: 'none' }, { ...ctx, workdir });
      } catch (caught) {
        error = caught;
      }
      expect(error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'workdir' }, message: expect.stringMatching(/expose the whole (home|machine)/) });
    }
    for (const writable of ['/', '~', '/home']) {
      expect(() => resolveIsolation({ mode: 'sandbox', writable: [writable] }, { mode: 'none' }, ctx)).toThrow(expect.objectContaining({ code: 'VALIDATION_ERROR', details: { field: 'isolation.writable' } }));
    }
    // Read-only, the home is the spawn's explicit choice.
    expect(resolveIsolation({ mode: 'sandbox', readOnly: ['~'] }, { mode: 'none' }, ctx).readOnly).toEqual(['/home/ada']);
    // A sibling whose name starts like the home is not an ancestor.
    expect(resolveIsolation('sandbox', { mode: 'none' }, { ...ctx, workdir: '/home/ada-work' }).mode).toBe('sandbox');
    // Without isolation the workdir is anyone's business.
    expect(resolveIsolation('none', { mode: 'none' }, { ...ctx, workdir: '/home/ada' }).mode).toBe('none');
  });
});
