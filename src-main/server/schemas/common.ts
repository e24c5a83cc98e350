import * as path from 'node:path';
import { z } from 'zod';
import { AGENT_TYPES, MAX_COLS, MAX_ROWS, MIN_COLS, MIN_ROWS, resolveAgentType } from '../../../src-shared/agent';
import { keysToSequences } from '../../../src-shared/keys';
import {
  MAX_AGENT_TYPE_CHARS,
  MAX_ARG_CHARS,
  MAX_ARGS,
  MAX_CONTEXT_FILES,
  MAX_CONTEXT_PATH_CHARS,
  MAX_ENV_ENTRIES,
  MAX_ENV_NAME_CHARS,
  MAX_ENV_VALUE_CHARS,
  MAX_ID_CHARS,
  MAX_KEY_NAME_CHARS,
  MAX_KEYS,
  MAX_LABEL_CHARS,
  MAX_LABELS,
  MAX_MESSAGE_CHARS,
  MAX_METADATA_BYTES,
  MAX_METADATA_DEPTH,
  MAX_PATH_CHARS,
  MAX_SECRET_CHARS,
} from '../../../src-shared/limits';
import { nestsDeeperThan } from '../json-depth';

/**
 * Building blocks the route schemas share. Every route input has one zod schema, checked at the
 * boundary (route.ts). Bodies are strict: a field nobody documented is a client bug we report
 * (400) rather than silently drop. The same schemas produce the OpenAPI document (openapi.ts).
 * The limits themselves, each with its reason, are in src-shared/limits.ts.
 */

const noNul = (value: string) => !value.includes('\0');
/** A string handed to the OS (paths, argv, env): NUL would truncate it there. */
export const osString = (max: number) => z.string().max(max).refine(noNul, { message: 'must not contain NUL characters' });

export const label = z.string().max(MAX_LABEL_CHARS);
export const labelList = z.array(label).max(MAX_LABELS);
export const programPath = osString(MAX_PATH_CHARS).min(1);
export const argList = z.array(osString(MAX_ARG_CHARS)).max(MAX_ARGS);

export const agentTypeSchema = z
  .string()
  .min(1)
  .max(MAX_AGENT_TYPE_CHARS)
  .refine((value) => resolveAgentType(value) !== undefined, {
    message: `unknown agent type; known types: ${AGENT_TYPES.join(', ')} (aliases such as claude, gemini are accepted)`,
  })
  .meta({ description: `One of ${AGENT_TYPES.join(', ')}, or an alias (claude, gemini, openai-codex, …).` });

/** A custom agent has no adapter to name its program, so the request must. */
export function namesProgramIfCustom(agentType: string, command: string | undefined): boolean {
  return resolveAgentType(agentType) !== 'custom' || (command !== undefined && command.trim() !== '');
}

export const envSchema = z
  .record(
    z
      .string()
      .min(1)
      .max(MAX_ENV_NAME_CHARS)
      .regex(/^[^=\0]+$/, { message: 'variable names must not contain "=" or NUL' }),
    osString(MAX_ENV_VALUE_CHARS),
  )
  .refine((env) => Object.keys(env).length <= MAX_ENV_ENTRIES, { message: `at most ${MAX_ENV_ENTRIES} variables` });

export const colsSchema = z.number().int().min(MIN_COLS).max(MAX_COLS);
export const rowsSchema = z.number().int().min(MIN_ROWS).max(MAX_ROWS);

const secret = z.string().max(MAX_SECRET_CHARS);

export const credentialsSchema = z.strictObject({
  anthropicKey: secret.optional(),
  openaiKey: secret.optional(),
  googleKey: secret.optional(),
  // Parallax AgentConfig fields; accepted for compatibility, not used by any adapter.
  githubToken: secret.optional(),
  custom: z.record(z.string(), secret).optional(),
});

/** A message to an agent: bounded, and not blank (an empty turn would wait for a reply that never comes). */
export const messageText = z
  .string()
  .max(MAX_MESSAGE_CHARS)
  .refine((m) => m.trim() !== '', { message: 'the message is empty' });

/** Raw terminal bytes: anything, including control characters, but not nothing. */
export const rawInput = z.string().min(1).max(MAX_MESSAGE_CHARS);

const keyName = z
  .string()
  .min(1)
  .max(MAX_KEY_NAME_CHARS)
  .meta({ description: 'A key name (enter, esc, up, ctrl+c, shift+tab, f5, …) or a single character.' });

function validKeys(keys: string | string[]): boolean {
  try {
    keysToSequences(typeof keys === 'string' ? [keys] : keys);
    return true;
  } catch {
    return false;
  }
}

const UNKNOWN_KEY_MESSAGE = 'unknown key name; use names like enter, esc, up, ctrl+c, shift+tab, f5, or a single character';

export const keyList = z.array(keyName).min(1).max(MAX_KEYS).refine(validKeys, { message: UNKNOWN_KEY_MESSAGE });
/** `POST /agents/:id/keys` also takes a single name. */
export const keyOrKeyList = z.union([keyName, z.array(keyName).min(1).max(MAX_KEYS)]).refine(validKeys, { message: UNKNOWN_KEY_MESSAGE });

export const contextFileSchema = z.strictObject({
  path: z.string().min(1).max(MAX_CONTEXT_PATH_CHARS).meta({ description: 'Relative to the workdir; may not leave it.' }),
  content: z.string(),
});
export const contextFileList = z.array(contextFileSchema).max(MAX_CONTEXT_FILES);

/** Parallax answers a missing required field with "<field> is required"; so do we (still as VALIDATION_ERROR). */
export const requiredText = (field: string, max: number) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? `${field} is required` : undefined) })
    .max(max)
    .refine((value) => value.trim() !== '', { message: `${field} is required` });

/**
 * Free-form metadata is echoed in every thread answer, event and snapshot: bounded in depth and
 * size so that no later serialisation can fail or balloon. The body's own depth guard (64) has
 * already run, so measuring the size by serialising is safe.
 */
export const metadataSchema = z
  .record(label, z.unknown())
  .refine((value) => !nestsDeeperThan(value, MAX_METADATA_DEPTH), { message: `must nest at most ${MAX_METADATA_DEPTH} levels deep`, abort: true })
  .refine((value) => Buffer.byteLength(JSON.stringify(value), 'utf8') <= MAX_METADATA_BYTES, { message: `must be at most ${MAX_METADATA_BYTES} bytes as JSON` });

/** A relative path would be resolved against the runtime's own folder, which no client means. */
export const absolutePath = osString(MAX_PATH_CHARS)
  .min(1)
  .refine((value) => path.isAbsolute(value), { message: 'must be an absolute path' });

// ───────────────────────────── query values ─────────────────────────────

/** Query values arrive as a string or, when repeated, an array; comma lists are split too. */
export function listParam<T extends z.ZodType<string, string>>(item: T) {
  return z
    .union([z.string(), z.array(z.string())])
    .transform((value) => (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== ''))
    .pipe(z.array(item));
}

export const booleanParam = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1');

export const intParam = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** An agent or thread id in a filter or path: wider than AGENT_ID_PATTERN, so an unknown id is a 404 naming it. */
export const idText = z.string().min(1).max(MAX_ID_CHARS);

// ───────────────────────────── params ─────────────────────────────

export const emptyObject = z.strictObject({});

export const agentIdParams = z.strictObject({
  id: idText.meta({ description: 'The agent id (also its runtimeSessionId).' }),
});
