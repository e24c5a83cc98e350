import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { augmentPath, buildAgentEnv, SESSION_MARKER_VARIABLE } from '../../src-main/runtime/env';

describe('agent environment', () => {
  const base = {
    HOME: '/home/me',
    PATH: '/usr/bin',
    LANG: 'en_US.UTF-8',
    RAVEN_RUNTIME_API_KEY: 'runtime-secret-0123456789',
    COPY_OF_KEY: 'runtime-secret-0123456789',
    ELECTRON_RUN_AS_NODE: '1',
    CLAUDECODE: '1',
    CLAUDE_CODE_ENTRYPOINT: 'cli',
    GEMINI_CLI: '1',
    CODEX_SANDBOX: 'seatbelt',
    npm_lifecycle_event: 'start',
    NODE_OPTIONS: '--require /somewhere/loader.js',
    TERM: 'dumb',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    CONTINUOUS_INTEGRATION: '1',
  };
  const env = buildAgentEnv({
    base,
    adapterEnv: { ANTHROPIC_API_KEY: 'sk-ant-spawn' },
    spawnEnv: { MY_VAR: 'x', RAVEN_RUNTIME_API_KEY: 'sneaked-in', TERM: 'vt100' },
    secretNames: ['RAVEN_RUNTIME_API_KEY'],
    secretValues: ['runtime-secret-0123456789'],
    sessionId: 'agent-1',
    extraPath: [],
  });

  it('keeps the user environment and adds the adapter and spawn variables', () => {
    expect(env).toMatchObject({ HOME: '/home/me', LANG: 'en_US.UTF-8', ANTHROPIC_API_KEY: 'sk-ant-spawn', MY_VAR: 'x' });
    expect(env[SESSION_MARKER_VARIABLE]).toBe('agent-1');
  });

  it('never passes the runtime API key, under its own name or any other', () => {
    expect(env.RAVEN_RUNTIME_API_KEY).toBeUndefined();
    expect(env.COPY_OF_KEY).toBeUndefined();
    expect(Object.values(env)).not.toContain('runtime-secret-0123456789');
  });

  it('drops Electron and npm variables and anything that signals a nested agent', () => {
    for (const name of ['ELECTRON_RUN_AS_NODE', 'CLAUDECODE', 'CLAUDE_CODE_ENTRYPOINT', 'GEMINI_CLI', 'CODEX_SANDBOX', 'npm_lifecycle_event', 'NODE_OPTIONS']) {
      expect(env[name], name).toBeUndefined();
    }
  });

  it('hides CI markers, which switch CLIs to their non-interactive mode, unless the spawn sets them', () => {
    for (const name of ['CI', 'GITHUB_ACTIONS', 'CONTINUOUS_INTEGRATION']) expect(env[name], name).toBeUndefined();
    const explicit = buildAgentEnv({ base, adapterEnv: {}, spawnEnv: { CI: '1' }, secretNames: [], secretValues: [], sessionId: 'agent-2', extraPath: [] });
    expect(explicit.CI).toBe('1');
  });

  it('forces the terminal type', () => {
    expect(env.TERM).toBe('xterm-256color');
    expect(env.COLORTERM).toBe('truecolor');
  });

  it('adds the usual user bin folders to a thin PATH, once each', () => {
    const dirs = env.PATH.split(path.delimiter);
    expect(dirs[0]).toBe('/usr/bin');
    for (const dir of ['/home/me/.local/bin', '/home/me/.npm-global/bin', '/usr/local/bin', '/opt/homebrew/bin', '/home/me/.bun/bin', '/home/me/.volta/bin']) expect(dirs).toContain(dir);
    expect(new Set(dirs).size).toBe(dirs.length);
    expect(augmentPath('/a:/b:/a', ['/c'], '/h').split(':').slice(0, 3)).toEqual(['/a', '/b', '/c']);
  });
});
