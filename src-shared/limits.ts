/**
 * Wire limits the server enforces and clients may want to know. Each says why it is the size it is;
 * docs/security.md explains where each is checked.
 */

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
