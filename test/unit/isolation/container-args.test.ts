import { describe, expect, it } from 'vitest';
import { containerRunArgs, cpusFlag, passedVariables, unmountablePath, type ContainerRunSpec } from '../../../src-main/runtime/isolation/container-args';
import { programInContainer } from '../../../src-main/runtime/isolation/container';

const base: ContainerRunSpec = {
  engineArgs: [],
  runArgs: [],
  name: 'raven-a1',
  image: 'localhost/raven-agent:latest',
  workdir: '/work/project',
  homeDir: '/data/sandboxes/a1/home',
  env: { PATH: '/usr/bin', HOME: '/root', ANTHROPIC_API_KEY: 'sk-secret', TERM: 'xterm-256color', SSH_AUTH_SOCK: '/tmp/agent.sock' },
  network: 'none',
  limits: {},
  writable: [],
  readOnly: [],
  user: { uid: 1000, gid: 1000 },
  program: 'claude',
  args: ['--model', 'x y'],
};

describe('container run argv', () => {
  it('is the full hardened run line, program and args last and intact', () => {
    expect(containerRunArgs({ ...base, limits: { memoryMb: 512, cpuPercent: 150, maxProcesses: 64 }, writable: ['/cache'], readOnly: ['/ref'] })).toEqual([
      'run', '--rm', '-i', '-t', '--init', '--name', 'raven-a1', '--label', 'raven.agent=1',
      '-w', '/work/project', '-v', '/work/project:/work/project',
      '-v', '/data/sandboxes/a1/home:/home/raven', '-e', 'HOME=/home/raven',
      '-v', '/cache:/cache', '-v', '/ref:/ref:ro',
      '-e', 'ANTHROPIC_API_KEY', '-e', 'TERM',
      '--network', 'none',
      '--memory', '512m', '--memory-swap', '512m', '--cpus', '1.5', '--pids-limit', '64',
      '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--user', '1000:1000',
      'localhost/raven-agent:latest', 'claude', '--model', 'x y',
    ]);
  });

  it('never puts a variable value on the command line', () => {
    expect(containerRunArgs(base).join(' ')).not.toContain('sk-secret');
  });

  it('leaves host-only variables out (PATH, HOME, host sockets)', () => {
    expect(passedVariables(base.env)).toEqual(['ANTHROPIC_API_KEY', 'TERM']);
    expect(passedVariables({ 'BAD-NAME': '1', OK_1: '1' })).toEqual(['OK_1']);
  });

  it('full network uses the engine default; engine and run flags go where each belongs', () => {
    const argv = containerRunArgs({ ...base, network: 'full', engineArgs: ['--runtime', 'runc'], runArgs: ['--ulimit', 'nofile=1024:1024'] });
    expect(argv).not.toContain('--network');
    expect(argv.slice(0, 3)).toEqual(['--runtime', 'runc', 'run']);
    expect(argv.indexOf('--ulimit')).toBeLessThan(argv.indexOf('localhost/raven-agent:latest'));
    expect(argv.indexOf('--ulimit')).toBeGreaterThan(argv.indexOf('run'));
  });

  it('keeps the user itself under rootless podman', () => {
    const argv = containerRunArgs({ ...base, keepUserNamespace: true });
    expect(argv.slice(argv.indexOf('--userns'), argv.indexOf('--userns') + 4)).toEqual(['--userns', 'keep-id', '--user', '1000:1000']);
    expect(containerRunArgs(base)).not.toContain('--userns');
  });

  it('omits --user where there are no uids (Windows)', () => {
    expect(containerRunArgs({ ...base, user: undefined })).not.toContain('--user');
  });

  it('converts CPU percent to --cpus', () => {
    expect(cpusFlag(50)).toBe('0.5');
    expect(cpusFlag(200)).toBe('2');
    expect(cpusFlag(1)).toBe('0.01');
  });

  it('refuses paths a volume flag cannot carry', () => {
    expect(unmountablePath('/ok/path with space')).toBeUndefined();
    expect(unmountablePath('relative')).toMatch(/not absolute/);
    expect(unmountablePath('/a:b')).toMatch(/':'/);
    expect(unmountablePath('/a,b')).toMatch(/','/);
    expect(unmountablePath('/a\nb')).toMatch(/line break/);
  });
});

describe('program inside the container', () => {
  it('keeps only the name of a host CLI path, and paths inside mounted folders as they are', () => {
    expect(programInContainer('/usr/local/bin/claude', ['/work/project'])).toBe('claude');
    expect(programInContainer('/work/project/run.sh', ['/work/project'])).toBe('/work/project/run.sh');
    expect(programInContainer('/work/project-other/run.sh', ['/work/project'])).toBe('run.sh');
    expect(programInContainer('bash', ['/work/project'])).toBe('bash');
  });
});
