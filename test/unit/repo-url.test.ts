import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../../src-main/runtime/errors';
import { maskUrlCredentials, parseRepoUrl, redactRepoText, validateBranch } from '../../src-main/workspace/repo-url';

/** Which repository URLs and branch names reach `git`, and how credentials are masked. */

function refusal(fn: () => unknown): RuntimeError {
  try {
    fn();
  } catch (error) {
    if (error instanceof RuntimeError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('parseRepoUrl', () => {
  it.each([
    'https://github.com/org/repo.git',
    'http://git.internal:8080/org/repo',
    'ssh://git@github.com/org/repo.git',
    'ssh://git@[::1]:2222/org/repo.git',
    'git://example.com/repo.git',
    'file:///srv/repos/repo.git',
    'git@github.com:org/repo.git',
    'deploy.user@git.example.com:team/repo',
  ])('accepts %s unchanged', (url) => {
    expect(parseRepoUrl(url).url).toBe(url);
  });

  it.each([
    ['ext::sh -c touch% /tmp/pwned', 'remote helper'],
    ['fd::3', 'remote helper'],
    ['-uhttps://x/y', 'must not start with "-"'],
    ['--upload-pack=touch /tmp/pwned', 'must not start with "-"'],
    ['https://x/y\n--upload-pack=z', 'control characters'],
    ['https://x/y\r', 'control characters'],
    ['https://x/\u0000y', 'control characters'],
    [' https://x/y', 'surrounding spaces'],
    ['', 'surrounding spaces'],
    ['ftp://example.com/x.git', 'only https, http, ssh, git and file'],
    ['javascript://alert(1)', 'only https, http, ssh, git and file'],
    ['https://', 'not a valid URL'],
    ['ssh://-oProxyCommand=x/y', 'starting with "-"'],
    ['ssh://-oProxyCommand=x@host/y', 'starting with "-"'],
    ['git@-oProxyCommand:y', 'starting with "-"'],
    ['/srv/repo.git', 'file:///path'],
    ['github.com:org/repo.git', 'user@host:path'],
    ['C:\\repos\\x', 'user@host:path'],
  ])('refuses %j (%s)', (url, why) => {
    const error = refusal(() => parseRepoUrl(url));
    expect(error.code).toBe('VALIDATION_ERROR');
    expect(error.message).toContain(why);
    expect(error.details).toEqual({ field: 'config.repoUrl' });
  });

  it('masks a password, and for http(s) a bare user name (often a token)', () => {
    expect(parseRepoUrl('https://alice:s3cret@host/x.git').display).toBe('https://***@host/x.git');
    expect(parseRepoUrl('https://ghp_abcdef123456@github.com/o/r.git').display).toBe('https://***@github.com/o/r.git');
    expect(parseRepoUrl('ssh://git:pw1234@host/x.git').display).toBe('ssh://git:***@host/x.git');
    expect(parseRepoUrl('ssh://git@host/x.git').display).toBe('ssh://git@host/x.git');
    expect(parseRepoUrl('git@github.com:o/r.git').display).toBe('git@github.com:o/r.git');
  });

  it('masks the credentials wherever git repeats them, encoded or not', () => {
    const repo = parseRepoUrl('https://alice:p%40ss-w0rd@host/x.git');
    const text = "fatal: unable to access 'https://alice:p%40ss-w0rd@host/x.git/': auth failed for p@ss-w0rd and p%40ss-w0rd";
    const masked = redactRepoText(text, repo);
    expect(masked).not.toMatch(/p%40ss|p@ss|alice/);
    expect(masked).toContain("'https://***@host/x.git/'");
  });

  it('masks every URL with credentials in free text', () => {
    expect(maskUrlCredentials('see http://u:p@a/x and https://tok@b/y and ssh://git@c/z')).toBe('see http://***@a/x and https://***@b/y and ssh://git@c/z');
  });
});

describe('validateBranch', () => {
  it.each(['main', 'master', 'feature/login-form', 'release-1.2', 'user/ünïcode', 'v2_fix'])('accepts %s', (name) => {
    expect(validateBranch(name)).toBe(name);
  });

  it.each(['-b', '--orphan', 'a..b', 'a b', 'a~1', 'a^', 'a:b', 'a?', 'a*', 'a[b', 'a\\b', '@', 'a@{1}', '/a', 'a/', 'a.', 'a//b', '.hidden', 'a/.b', 'x.lock', 'a\nb', 'a\u0000'])(
    'refuses %j',
    (name) => {
      const error = refusal(() => validateBranch(name));
      expect(error.code).toBe('VALIDATION_ERROR');
      expect(error.details).toEqual({ field: 'config.branch' });
    },
  );
});
