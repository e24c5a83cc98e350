'use strict';

/**
 * The headless CLI's words, in plain JavaScript: bin/raven-runtime.js answers `help` and
 * `--version` from this file alone, before loading tsx (compiling the TypeScript entry costs
 * seconds on a cold cache). cli.ts parses with the same option table, so help and parser agree.
 */

const DEFAULT_PORT = 8765;
const DEFAULT_HOST = '127.0.0.1';
const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'];
const LOG_FORMATS = ['json', 'text'];

/** node:util parseArgs options. */
const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'api-key': { type: 'string' },
  'api-key-file': { type: 'string' },
  'anthropic-key': { type: 'string' },
  'openai-key': { type: 'string' },
  'google-key': { type: 'string' },
  'max-agents': { type: 'string' },
  'default-timeout': { type: 'string' },
  'data-dir': { type: 'string' },
  'log-level': { type: 'string' },
  'log-format': { type: 'string' },
  'allow-origin': { type: 'string', multiple: true },
  'allow-host': { type: 'string', multiple: true },
  'ui-dir': { type: 'string' },
  'terminal-hello': { type: 'boolean' },
  'no-terminal-hello': { type: 'boolean' },
  isolation: { type: 'string' },
  'isolation-network': { type: 'string' },
  'isolation-allow': { type: 'string', multiple: true },
  'isolation-memory': { type: 'string' },
  'isolation-cpu': { type: 'string' },
  'isolation-processes': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
};

const COMMANDS = ['start', 'help', 'version'];

function helpText(version) {
  return `Raven Agent Runtime ${version}: runs AI coding CLIs as PTY sessions behind a local HTTP + WebSocket API.

Usage:
  raven-runtime start [options]
  raven-runtime help | version     (also --help, --version; through npx use the words)

Options (flags win over environment variables):
  --port <n>             Port to listen on (env PORT; default ${DEFAULT_PORT}; 0 picks a free one)
  --host <addr>          Address to bind (env RAVEN_RUNTIME_HOST; default ${DEFAULT_HOST}).
                         Anything but loopback requires an API key.
  --api-key-file <file>  Require the key in this file (first line) on every request except a bare
                         GET /health. At least 16 characters. Or set RAVEN_RUNTIME_API_KEY.
  --api-key <key>        The same, from the command line: works, but warns, because every local
                         process (agents included) can read a command line.
  --anthropic-key <key>  Provider keys handed to agents of the matching type
  --openai-key <key>
  --google-key <key>
  --max-agents <n>       Live agents allowed at once (env MAX_AGENTS; default 10)
  --default-timeout <ms> Default wait for a reply to /send (env DEFAULT_TIMEOUT; default 60000)
  --data-dir <dir>       Transcripts and scratch workdirs (env RAVEN_DATA_DIR)
  --log-level <level>    ${LOG_LEVELS.join(' | ')} (env LOG_LEVEL; default info). Logs go to stderr.
  --log-format <format>  ${LOG_FORMATS.join(' | ')} (env LOG_FORMAT): readable lines when stderr is a
                         terminal, JSON lines otherwise (the default picks by that)
  --allow-origin <url>   Allow browser requests from this exact origin (repeatable; env
                         RAVEN_ALLOWED_ORIGINS, comma-separated), e.g. your Raven Docs web origin
  --allow-host <name>    Accept this Host header name too (repeatable), e.g. a LAN name
  --ui-dir <dir>         The built UI to serve at / (default: dist/renderer of this package)
  --terminal-hello       Send JSON control frames on terminal sockets by default. Off by
                         default: Raven Docs shows every frame in its terminal; clients that
                         want them ask with ?frames=1
  --no-terminal-hello    The default (kept for older scripts)

Isolation (the default for spawns that do not say; a spawn's own "isolation" wins field by field):
  --isolation <mode>     none | sandbox | container (env RAVEN_ISOLATION; default none).
                         sandbox: bubblewrap (Linux) or sandbox-exec (macOS); container: docker
                         or podman. See the README's "Isolation" section.
  --isolation-network <mode>
                         none | allowlist | full (env RAVEN_ISOLATION_NETWORK; default allowlist)
  --isolation-allow <host>
                         Another host isolated agents may reach under allowlist: host,
                         host:port or *.domain (repeatable; env RAVEN_ISOLATION_ALLOW,
                         comma-separated)
  --isolation-memory <MiB>
                         Memory per agent, everything it starts included (env
                         RAVEN_ISOLATION_MEMORY)
  --isolation-cpu <percent>
                         CPU per agent, percent of one core: 50 = half, 200 = two cores (env
                         RAVEN_ISOLATION_CPU)
  --isolation-processes <n>
                         Processes and threads per agent (env RAVEN_ISOLATION_PROCESSES)
  -h, --help             Show this help
  -v, --version          Print the version

Agents' CLIs are looked up on PATH, then in the usual user bin folders (~/.local/bin,
~/.npm-global/bin, ~/.bun/bin, /usr/local/bin, ...). Like npx, raven-runtime puts this package's
node_modules/.bin first on PATH, so its devDependency CLIs are found however it is started.

Environment: PORT, MAX_AGENTS, DEFAULT_TIMEOUT, LOG_LEVEL, LOG_FORMAT, RAVEN_DATA_DIR, RAVEN_RUNTIME_API_KEY,
RAVEN_ISOLATION (and the RAVEN_ISOLATION_* twins above).
`;
}

/** Edit distance (insert, delete, substitute, swap two neighbours), for "did you mean". */
function distance(a, b) {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The closest of `candidates` to `word`, if close enough to be a likely typo. */
function closest(word, candidates) {
  let best;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = distance(word.toLowerCase(), candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  // A third of the word may be wrong (at least 1, at most 3 edits): `--prot` → `--port`,
  // `--api_key` → `--api-key`, but `--frobnicate` suggests nothing.
  const allowed = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  return bestDistance <= allowed ? best : undefined;
}

/** "did you mean --port?" for an unknown flag given with or without its dashes. */
function suggestFlag(flag) {
  const name = flag.replace(/^-+/, '').split('=')[0];
  const match = closest(name, Object.keys(OPTIONS));
  return match === undefined ? undefined : `--${match}`;
}

function suggestCommand(word) {
  return closest(word, COMMANDS);
}

module.exports = { DEFAULT_PORT, DEFAULT_HOST, LOG_LEVELS, LOG_FORMATS, OPTIONS, COMMANDS, helpText, suggestFlag, suggestCommand, closestWord: closest };
