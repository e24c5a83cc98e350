import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applySettingsLayers, seedSandboxHome } from '../../../src-main/runtime/isolation/sandbox-home';

let root: string;
let home: string;
let privateHome: string;

function plant(relative: string, content = relative): void {
  const file = path.join(home, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

function mode(file: string): number {
  return fs.statSync(file).mode & 0o777;
}

/** Every file under a folder, relative, sorted. */
function tree(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-seed-'));
  home = path.join(root, 'home');
  privateHome = path.join(root, 'state', 'home');
  plant('.ssh/id_ed25519', 'PRIVATE KEY');
  plant('.bash_history');
  plant('notes/secret.txt');
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe('seedSandboxHome', () => {
  it('Claude Code: copies its config, settings and credentials, and nothing else', () => {
    for (const f of ['.claude.json', '.claude/settings.json', '.claude/.credentials.json', '.claude/projects/x.jsonl', '.claude/history.jsonl']) plant(f);
    const result = seedSandboxHome(privateHome, home, 'claude-code', { HOME: home });
    expect(tree(privateHome)).toEqual(['.claude.json', '.claude/.credentials.json', '.claude/settings.json']);
    expect(result).toEqual({ copied: ['.claude.json', '.claude/settings.json', '.claude/.credentials.json'], env: {} });
    expect(mode(privateHome)).toBe(0o700);
    expect(mode(path.join(privateHome, '.claude'))).toBe(0o700);
    expect(mode(path.join(privateHome, '.claude/.credentials.json'))).toBe(0o600);
  });

  it('copies, never links: what the agent writes does not reach the user\'s file', () => {
    plant('.claude.json', '{"user":true}');
    seedSandboxHome(privateHome, home, 'claude-code', { HOME: home });
    const copy = path.join(privateHome, '.claude.json');
    expect(fs.lstatSync(copy).isSymbolicLink()).toBe(false);
    fs.writeFileSync(copy, '{"agent":true}');
    expect(fs.readFileSync(path.join(home, '.claude.json'), 'utf8')).toBe('{"user":true}');
  });

  it('Codex: ~/.codex config and auth; a CODEX_HOME inside the home keeps its place', () => {
    for (const f of ['.codex/config.toml', '.codex/auth.json', '.codex/sessions/old.jsonl', 'alt-codex/config.toml']) plant(f);
    expect(seedSandboxHome(privateHome, home, 'codex', { HOME: home })).toEqual({ copied: ['.codex/config.toml', '.codex/auth.json'], env: {} });
    fs.rmSync(privateHome, { recursive: true });
    expect(seedSandboxHome(privateHome, home, 'codex', { HOME: home, CODEX_HOME: path.join(home, 'alt-codex') })).toEqual({ copied: ['alt-codex/config.toml'], env: {} });
  });

  it('Codex: a CODEX_HOME outside the home is copied to the private ~/.codex and pointed there', () => {
    const outside = path.join(root, 'codex-home');
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'auth.json'), '{"token":1}');
    const result = seedSandboxHome(privateHome, home, 'codex', { HOME: home, CODEX_HOME: outside });
    expect(result).toEqual({ copied: ['.codex/auth.json'], env: { CODEX_HOME: path.join(home, '.codex') } });
    expect(fs.readFileSync(path.join(privateHome, '.codex/auth.json'), 'utf8')).toBe('{"token":1}');
  });

  it('Gemini CLI: settings, OAuth files, trusted folders and installation id', () => {
    for (const f of ['settings.json', 'oauth_creds.json', 'google_accounts.json', 'trustedFolders.json', 'installation_id', 'tmp/chat.json']) plant(`.gemini/${f}`);
    seedSandboxHome(privateHome, home, 'gemini-cli', { HOME: home });
    expect(tree(privateHome)).toEqual(['.gemini/google_accounts.json', '.gemini/installation_id', '.gemini/oauth_creds.json', '.gemini/settings.json', '.gemini/trustedFolders.json']);
  });

  it('shells and custom commands get an empty home; missing files are skipped', () => {
    expect(seedSandboxHome(privateHome, home, 'shell', { HOME: home })).toEqual({ copied: [], env: {} });
    expect(tree(privateHome)).toEqual([]);
    expect(seedSandboxHome(path.join(root, 'other'), path.join(root, 'no-such-home'), 'claude-code', {}).copied).toEqual([]);
  });
});

describe('applySettingsLayers', () => {
  it("adds to the private home's copy of a settings file, creating it when the user has none", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raven-layers-'));
    try {
      fs.mkdirSync(path.join(dir, '.gemini'));
      fs.writeFileSync(path.join(dir, '.gemini/settings.json'), JSON.stringify({ ui: { theme: 'x' }, hooks: { AfterAgent: [{ hooks: [{ name: 'mine' }] }] } }));
      const layer = { file: '.gemini/settings.json', merge: (existing: Record<string, unknown>) => ({ ...existing, added: true }) };
      applySettingsLayers(dir, [layer, { file: 'other/new.json', merge: (existing: Record<string, unknown>) => ({ ...existing, made: 1 }) }]);
      expect(JSON.parse(fs.readFileSync(path.join(dir, '.gemini/settings.json'), 'utf8'))).toEqual({ ui: { theme: 'x' }, hooks: { AfterAgent: [{ hooks: [{ name: 'mine' }] }] }, added: true });
      expect(JSON.parse(fs.readFileSync(path.join(dir, 'other/new.json'), 'utf8'))).toEqual({ made: 1 });
      expect(fs.statSync(path.join(dir, 'other/new.json')).mode & 0o777).toBe(0o600);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
