import { describe, expect, it } from 'vitest';
import { buildBwrapCommand, type BwrapInputs } from '../../../src-main/runtime/isolation/bwrap-args';
import type { ResolvedIsolation } from '../../../src-main/runtime/isolation/types';

const policy: ResolvedIsolation = { mode: 'sandbox', network: 'none', allow: [], writable: [], readOnly: [], limits: {} };

function inputs(overrides: Partial<BwrapInputs> = {}): BwrapInputs {
  return {
    policy,
    launch: { executable: '/usr/bin/bash', args: ['-l'], env: { PATH: '/usr/bin', HOME: '/home/ada', RAVEN_AGENT_SESSION: 'agent-1' }, cwd: '/home/ada/project' },
    privateHome: '/data/sandboxes/agent-1/home',
    homePath: '/home/ada',
    hiddenRoots: ['/data', '/home/ada', '/run/user/1000'],
    programPaths: [],
    ...overrides,
  };
}

/** The argv as [option, ...operands] groups, for order checks. */
function mounts(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') break;
    if (['--ro-bind', '--bind', '--ro-bind-try', '--bind-try'].includes(a)) out.push(`${a} ${args[++i]} ${args[++i]}`);
    else if (['--tmpfs', '--dev', '--proc', '--chdir'].includes(a)) out.push(`${a} ${args[++i]}`);
  }
  return out;
}

describe('buildBwrapCommand', () => {
  it('unshares everything but the user, dies with the runtime, drops capabilities, and never starts a new session', () => {
    const { args } = buildBwrapCommand(inputs());
    expect(args.slice(0, 5)).toEqual(['--die-with-parent', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try']);
    expect(args).toContain('--unshare-net');
    expect(args.join(' ')).toContain('--cap-drop ALL');
    expect(args).not.toContain('--new-session');
    expect(args.slice(args.indexOf('--'))).toEqual(['--', '/usr/bin/bash', '-l']);
  });

  it('keeps the host network only for `full`', () => {
    expect(buildBwrapCommand(inputs({ policy: { ...policy, network: 'full' } })).args).not.toContain('--unshare-net');
    expect(buildBwrapCommand(inputs({ policy: { ...policy, network: 'allowlist' } })).args).toContain('--unshare-net');
  });

  it('mounts in the order that makes the policy: system, hidden roots, private home, read-only, writable', () => {
    const { args } = buildBwrapCommand(
      inputs({
        programPaths: ['/home/ada/.nvm/versions/node/v20', '/data/signals/sig-1'],
        policy: { ...policy, readOnly: ['/home/ada/.gitconfig', '/home/ada/project/vendor'], writable: ['/srv/out', '/home/ada/project/vendor/cache'] },
      }),
    );
    expect(mounts(args)).toEqual([
      '--ro-bind / /',
      '--dev /dev',
      '--proc /proc',
      '--tmpfs /data',
      '--tmpfs /tmp',
      '--tmpfs /run/user/1000',
      // /home/ada is not emptied with a tmpfs: the private home covers it.
      '--bind /data/sandboxes/agent-1/home /home/ada',
      '--ro-bind-try /data/signals/sig-1 /data/signals/sig-1',
      '--ro-bind-try /home/ada/.gitconfig /home/ada/.gitconfig',
      '--ro-bind-try /home/ada/project/vendor /home/ada/project/vendor',
      '--ro-bind-try /home/ada/.nvm/versions/node/v20 /home/ada/.nvm/versions/node/v20',
      // Writable last: the workdir covers a read-only entry inside it, and a writable entry inside a
      // read-only one stays writable.
      '--bind /home/ada/project /home/ada/project',
      '--bind-try /srv/out /srv/out',
      '--bind-try /home/ada/project/vendor/cache /home/ada/project/vendor/cache',
      '--chdir /home/ada/project',
    ]);
  });

  it('empties only the outermost of nested hidden roots, and mounts a home that lies in one after it', () => {
    const { args } = buildBwrapCommand(inputs({ homePath: '/tmp/scratch/home', hiddenRoots: ['/tmp/scratch/data', '/root'], launch: { ...inputs().launch, cwd: '/tmp/scratch/work' } }));
    expect(mounts(args).slice(3, 6)).toEqual(['--tmpfs /root', '--tmpfs /tmp', '--bind /data/sandboxes/agent-1/home /tmp/scratch/home']);
  });

  it('sets HOME and TMPDIR and keeps the session marker', () => {
    const { env } = buildBwrapCommand(inputs({ homePath: '/home/ada' }));
    expect(env).toEqual({ PATH: '/usr/bin', HOME: '/home/ada', TMPDIR: '/tmp', RAVEN_AGENT_SESSION: 'agent-1' });
  });
});
