/**
 * Wire limits the server enforces and clients may want to know. Each says why it is the size it is;
 * docs/security.md explains where each is checked.
 */

/**
 * Largest request body unless the server is started with another (`bodyLimitBytes`): room for a
 * long message or a handful of context files; anything bigger is a mistake or an attack.
 */
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * Deepest nesting accepted anywhere in a JSON body. Real requests nest 4–6 levels (config →
 * contextFiles → item → field); 64 leaves room for free-form metadata while keeping every later
 * recursive walk (zod, JSON.stringify of snapshots) far from the stack limit.
 */
export const MAX_JSON_DEPTH = 64;
/** Nesting of a thread's free-form `metadata` (and a thread send's): it is echoed in every snapshot. */
export const MAX_METADATA_DEPTH = 16;
/** Serialised size of one `metadata` object: it is copied into every thread event and snapshot. */
export const MAX_METADATA_BYTES = 64 * 1024;
/** Longest file or folder name most file systems accept (NAME_MAX, in bytes). */
export const MAX_FILE_NAME_BYTES = 255;
/** Open TCP connections (HTTP and WebSocket) at once: far above a desktop's use, far below fd limits. */
export const MAX_CONNECTIONS = 512;
/** Terminal sockets per agent: a few windows and pop-outs per user, a handful of users. */
export const MAX_VIEWERS_PER_AGENT = 32;
/** Sockets on `/ws/events` and `/ws` together (each costs a copy of every event). */
export const MAX_EVENT_SUBSCRIBERS = 128;
/** Time allowed for a client to send its request headers (slow-loris guard). */
export const HEADERS_TIMEOUT_MS = 20_000;
/** Time allowed to receive a whole request (headers and body, at most 1 MiB); not the answer. */
export const REQUEST_TIMEOUT_MS = 60_000;
/** An idle keep-alive connection is closed after this long. */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;

// ───────────────────────────── request fields ─────────────────────────────

/** Ids are file names (transcripts) and URL segments: letters, digits, ".", "_", "-"; up to 128. */
export const AGENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/**
 * Longest id accepted in a path parameter or a filter (agent or thread id). Wider than
 * AGENT_ID_PATTERN so that an unknown id gets a 404 naming it rather than a 400.
 */
export const MAX_ID_CHARS = 256;
/** Largest message `send` accepts (and a thread objective, and raw terminal input). */
export const MAX_MESSAGE_CHARS = 1024 * 1024;
/** Names, roles and other labels show in lists and terminal titles; 200 is the manager's own cap. */
export const MAX_LABEL_CHARS = 200;
/** Capabilities and permissions are short tags; 100 of them is far more than any agent has. */
export const MAX_LABELS = 100;
/** Agent type names and their aliases are one word (`claude-code`, `openai-codex`). */
export const MAX_AGENT_TYPE_CHARS = 64;
/** API keys and tokens are a few hundred characters at most; 4096 takes any real one. */
export const MAX_SECRET_CHARS = 4096;
/** Environment variable names are identifiers; 1024 is far above any real one. */
export const MAX_ENV_NAME_CHARS = 1024;
/** A context file's path relative to the workdir (its folders are checked again when written). */
export const MAX_CONTEXT_PATH_CHARS = 1024;
/** PATH_MAX on Linux: the longest workdir, command or repository URL. */
export const MAX_PATH_CHARS = 4096;
/** Generous for real environments (a few hundred variables) while bounding the work per request. */
export const MAX_ENV_ENTRIES = 1000;
/** ARG_MAX-style cap per value: a single variable larger than this is a mistake, not configuration. */
export const MAX_ENV_VALUE_CHARS = 128 * 1024;
/** Argument lists are typed by people or templates; 1000 covers any real CLI invocation. */
export const MAX_ARGS = 1000;
/** One argument: as long as a prompt passed on the command line reasonably gets. */
export const MAX_ARG_CHARS = 32 * 1024;
/** Key lists come from people and scripts answering prompts; 200 keys is minutes of typing. */
export const MAX_KEYS = 200;
/** Longest key name in the vocabulary is ~20 chars ("ctrl+alt+shift+pagedown"); 64 leaves room for aliases. */
export const MAX_KEY_NAME_CHARS = 64;
/** Raven sends a handful of context files (CLAUDE.md, .mcp.json, settings); 200 is far above that. */
export const MAX_CONTEXT_FILES = 200;
/** Raven's docs say 1–10 agents per spawn call. */
export const MAX_SPAWN_COUNT = 10;
/** Stop grace: beyond a minute a stuck agent should be force-killed instead. */
export const MAX_STOP_TIMEOUT_MS = 60_000;
/** Lines one `logs` call returns at most: the screen model keeps about that much anyway. */
export const MAX_LOG_LINES = 10_000;
/** Longest wait `send` accepts: an hour-long turn is an agent left alone, not a reply. */
export const MAX_SEND_TIMEOUT_MS = 3_600_000;

// ───────────────────────────── sockets and streams ─────────────────────────────

/** A pasted file or a long message typed into the terminal; the order of the HTTP body limit. */
export const TERMINAL_MAX_PAYLOAD_BYTES = 1024 * 1024;
/** Event clients send pings, and on `/ws` a message to an agent: the 1 MB cap of an HTTP body. */
export const EVENTS_MAX_PAYLOAD_BYTES = 1024 * 1024;
/**
 * An event subscriber (socket or SSE stream) this far behind is not reading: it is closed, and on
 * reconnecting gets a snapshot. Events are ~1 KB, so this is thousands of events of slack.
 */
export const EVENTS_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
