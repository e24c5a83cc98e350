import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectIsolationSupport, trialBubblewrap, type CapabilityProbes } from '../../../src-main/runtime/isolation/capabilities';
import type { EngineProbe } from '../../../src-main/runtime/isolation/container-engine';
import { detectLimitsMechanism } from '../../../src-main/runtime/isolation/limits';

function probes(overrides: Partial<CapabilityProbes> = {}): CapabilityProbes & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    platform: 'linux',
    trialBubblewrap: async () => {
      calls.push('bwrap');
      return undefined;
    },
    sandboxExecExists: () => true,
    containerEngine: async (): Promise<EngineProbe> => {
      calls.push('engine');
      return { engine: 'podman', cgroupVersion: 2 };
    },
    limitsMechanism: () => 'cgroup-v2',
    ...overrides,
  };
}

describe('isolation support', () => {
  it('reports every mode, the limits mechanism and the configured default', async () => {
    expect(await detectIsolationSupport({ isolation: { mode: 'sandbox' } }, probes())).toEqual({
      none: { available: true },
      sandbox: { available: true, backend: 'bubblewrap' },
      container: { available: true, engine: 'podman' },
      limits: 'cgroup-v2',
      defaultMode: 'sandbox',
    });
  });

  it('probes the machine once and keeps the answer, while the default mode follows the config', async () => {
    const fake = probes();
    await detectIsolationSupport({ isolation: { mode: 'none' } }, fake);
    const second = await detectIsolationSupport({ isolation: { mode: 'container' } }, fake);
    expect(fake.calls).toEqual(['bwrap', 'engine']);
    expect(second.defaultMode).toBe('container');
  });

  it('gives the reasons when bubblewrap or the engine cannot work', async () => {
    const support = await detectIsolationSupport(
      { isolation: { mode: 'none' } },
      probes({ trialBubblewrap: async () => 'bubblewrap (bwrap) is not installed', containerEngine: async () => ({ reason: 'docker is installed but its daemon is not running: Cannot connect' }) }),
    );
    expect(support.sandbox).toEqual({ available: false, backend: 'bubblewrap', reason: 'bubblewrap (bwrap) is not installed' });
    expect(support.container).toEqual({ available: false, reason: 'docker is installed but its daemon is not running: Cannot connect' });
  });

  it('on macOS the sandbox is sandbox-exec, present or not; elsewhere there is none', async () => {
    expect((await detectIsolationSupport({ isolation: { mode: 'none' } }, probes({ platform: 'darwin' }))).sandbox).toEqual({ available: true, backend: 'sandbox-exec' });
    expect((await detectIsolationSupport({ isolation: { mode: 'none' } }, probes({ platform: 'darwin', sandboxExecExists: () => false }))).sandbox).toMatchObject({
      available: false,
      reason: '/usr/bin/sandbox-exec is missing',
    });
    expect((await detectIsolationSupport({ isolation: { mode: 'none' } }, probes({ platform: 'win32' }))).sandbox.available).toBe(false);
  });
});

describe('trial bubblewrap sandbox', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-bwrap-probe-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  function fakeBwrap(stderr: string): string {
    const file = path.join(dir, `bwrap-${Math.random().toString(36).slice(2)}`);
    fs.writeFileSync(file, `#!/bin/sh\necho '${stderr}' >&2\nexit 1\n`, { mode: 0o755 });
    return file;
  }

  it('names a missing bwrap', async () => {
    expect(await trialBubblewrap(path.join(dir, 'no-such-bwrap'))).toBe('bubblewrap (bwrap) is not installed');
  });

  it('says user namespaces are probably off when bwrap cannot make one', async () => {
    const reason = await trialBubblewrap(fakeBwrap('bwrap: No permissions to creating new namespace, likely because the kernel does not allow non-privileged user namespaces.'));
    expect(reason).toMatch(/^bubblewrap cannot create namespaces here; user namespaces are probably disabled .*: bwrap: No permissions/);
  });

  it('passes on any other failure as it was said', async () => {
    expect(await trialBubblewrap(fakeBwrap('bwrap: something else'))).toBe('a trial bubblewrap sandbox failed: bwrap: something else');
  });

  it.runIf(process.platform === 'linux' && fs.existsSync('/usr/bin/bwrap'))('succeeds with the real bwrap of this machine', async () => {
    expect(await trialBubblewrap()).toBeUndefined();
  });
});

describe('this machine', () => {
  it('answers for real: none always, the sandbox as the trial says, limits as detected', async () => {
    const support = await detectIsolationSupport({ isolation: { mode: 'none' } });
    expect(support.none).toEqual({ available: true });
    expect(support.defaultMode).toBe('none');
    if (process.platform === 'linux') expect(support.sandbox.available).toBe((await trialBubblewrap()) === undefined);
    expect(support.limits).toBe(detectLimitsMechanism());
    expect(support.container.available ? support.container.engine : support.container.reason).toBeTruthy();
  });
});
