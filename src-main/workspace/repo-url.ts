import { RuntimeError } from '../runtime/errors';

/**
 * Which `config.repoUrl` / `config.branch` values of a Raven spawn may reach `git clone`, and how a
 * repository URL appears in messages and logs (credentials masked).
 *
 * The URL is an argument to a program that can run commands: git's remote helpers (`ext::sh -c …`)
 * execute arbitrary programs, and a value starting with `-` would be read as an option
 * (`--upload-pack=…`). So only the transports people clone from are accepted (an allow-list, not a
 * deny-list), and anything else is a 400 before git runs. `file://` is allowed: whoever can call
 * this API can already run any command as this user, so reading a local repository adds nothing.
 */

export interface RepoUrl {
  /** Exactly what the client sent; this is what git gets. */
  url: string;
  /** For messages and logs: any password or token replaced by `***`. */
  display: string;
  /** Credential strings to mask wherever they show up (git sometimes echoes the URL). */
  secrets: string[];
}

/** The transports people clone from. `ext::`/`fd::` and other remote helpers are not among them. */
const URL_PROTOCOLS: readonly string[] = ['https:', 'http:', 'ssh:', 'git:', 'file:'];
/** Protocols whose user name alone is a credential (`https://<token>@github.com/…`). */
const TOKEN_AS_USER_PROTOCOLS: readonly string[] = ['https:', 'http:'];
/** `scheme://`: a URL as opposed to scp-like syntax. */
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
/** `transport::address`: git's remote-helper syntax (ext::, fd::, …), which can run programs. */
const REMOTE_HELPER = /^[A-Za-z][A-Za-z0-9+.-]*::/;
/**
 * git's scp-like syntax `user@host:path`. The user is required (git@github.com:org/repo.git is the
 * form people copy); host names and bracketed IPv6 only, so no `/` can come before the colon.
 */
const SCP_LIKE = /^([A-Za-z0-9._~+-]+)@([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(.+)$/;
/** C0 controls and DEL: NUL truncates C strings, newlines split git's config and protocol lines. */
const CONTROL = /[\u0000-\u001f\u007f]/;
/** Shorter credential strings are not masked inside free text: that would garble git's messages. */
const MIN_MASKED_SECRET = 4;

function invalid(message: string, field = 'config.repoUrl'): RuntimeError {
  return new RuntimeError('VALIDATION_ERROR', `${field} ${message}`, { field });
}

/** Checks a `config.repoUrl` (400 VALIDATION_ERROR naming the problem) and prepares its display form. */
export function parseRepoUrl(raw: string): RepoUrl {
  if (CONTROL.test(raw)) throw invalid('must not contain control characters (NUL, newlines, tabs).');
  if (raw.trim() !== raw || raw === '') throw invalid('must be a repository URL without surrounding spaces.');
  if (raw.startsWith('-')) throw invalid('must not start with "-".');
  if (REMOTE_HELPER.test(raw)) throw invalid('uses a git remote helper ("transport::…", such as ext:: or fd::), which is not allowed.');
  if (SCHEME.test(raw)) return parseSchemeUrl(raw);
  const scp = SCP_LIKE.exec(raw);
  if (scp) {
    const [, user, host] = scp;
    if (user.startsWith('-') || host.startsWith('-')) throw invalid('must not have a user or host starting with "-".');
    return { url: raw, display: raw, secrets: [] };
  }
  throw invalid(`must be an https://, http://, ssh://, git:// or file:// URL, or user@host:path (for a local repository use file:///path).`);
}

function parseSchemeUrl(raw: string): RepoUrl {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw invalid('is not a valid URL.');
  }
  if (!URL_PROTOCOLS.includes(parsed.protocol)) {
    throw invalid(`uses ${parsed.protocol.slice(0, -1)}://; only https, http, ssh, git and file URLs are cloned.`);
  }
  if (parsed.protocol !== 'file:' && parsed.hostname === '') throw invalid('names no host.');
  // ssh reads a host or user starting with "-" as an option (CVE-2017-1000117); git refuses it too.
  if (parsed.hostname.startsWith('-') || parsed.username.startsWith('-')) throw invalid('must not have a user or host starting with "-".');
  const userIsSecret = TOKEN_AS_USER_PROTOCOLS.includes(parsed.protocol);
  const secrets: string[] = [];
  if (parsed.password !== '') secrets.push(parsed.password);
  if (userIsSecret && parsed.username !== '') secrets.push(parsed.username);
  // Also the decoded forms: git prints what it sent, which may be either.
  for (const secret of [...secrets]) {
    const decoded = safeDecode(secret);
    if (decoded !== secret) secrets.push(decoded);
  }
  return { url: raw, display: maskUrlCredentials(raw), secrets };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Masks the `user:password@` of every URL in `text`: the whole user part for http(s) (where a bare
 * user name is often a token), only the password for other schemes (ssh://git@… is not a secret).
 *
 * The user part is found the way the URL parser finds it: the authority runs to the first `/`, `?`
 * or `#`, and the credentials end at its *last* `@`, so a password holding `@`
 * (`https://u:p@ss@host/x`) is masked whole instead of leaking its tail.
 */
export function maskUrlCredentials(text: string): string {
  return text.replace(/\b([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^\s/?#]*)/g, (match, scheme: string, authority: string) => {
    const at = authority.lastIndexOf('@');
    if (at === -1) return match;
    const userinfo = authority.slice(0, at);
    const host = authority.slice(at + 1);
    if (/^https?:\/\/$/i.test(scheme)) return `${scheme}***@${host}`;
    const colon = userinfo.indexOf(':');
    return colon === -1 ? match : `${scheme}${userinfo.slice(0, colon)}:***@${host}`;
  });
}

/** `text` with the repository's credentials masked: URL user parts and the raw secret strings. */
export function redactRepoText(text: string, repo: RepoUrl): string {
  let out = maskUrlCredentials(text);
  // Longest first, so a token is not half-masked by a shorter secret inside it.
  for (const secret of [...repo.secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length >= MIN_MASKED_SECRET) out = out.split(secret).join('***');
  }
  return out;
}

/** Characters git-check-ref-format forbids anywhere in a ref name (besides controls). */
const REF_FORBIDDEN = /[ ~^:?*[\\]/;

/**
 * Checks `config.branch` against git's ref-name rules (git-check-ref-format), plus "no leading -"
 * so it can never be read as an option. Checked here, without running git, so a bad name is a 400
 * before any clone starts.
 */
export function validateBranch(name: string): string {
  const field = 'config.branch';
  if (CONTROL.test(name) || REF_FORBIDDEN.test(name)) throw invalid('must not contain spaces, control characters or any of ~ ^ : ? * [ \\.', field);
  if (name.startsWith('-')) throw invalid('must not start with "-".', field);
  if (name === '@' || name.includes('..') || name.includes('@{') || name.includes('//')) throw invalid('is not a valid branch name (no "..", "@{", "//", or a lone "@").', field);
  if (name.startsWith('/') || name.endsWith('/') || name.endsWith('.')) throw invalid('must not start or end with "/" or end with ".".', field);
  if (name.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock'))) throw invalid('has a part starting with "." or ending with ".lock".', field);
  return name;
}
