import { z } from 'zod';
import { AGENT_ID_PATTERN, MAX_LOG_LINES } from '../../../src-shared/limits';
import { idText, intParam } from './common';

/** Inputs of routes/observe.ts: reading an agent's output, logs, events and recordings. */

export const transcriptParams = z.strictObject({
  id: z.string().regex(AGENT_ID_PATTERN),
  part: z.string().regex(/^\d{4}\.cast$/),
});

export const logsQuery = z.strictObject({
  lines: intParam(1, MAX_LOG_LINES).optional(),
  tail: intParam(1, MAX_LOG_LINES).optional(),
  format: z.enum(['json', 'text']).optional(),
});

export const eventsQuery = z.strictObject({
  agentId: idText.optional(),
  threadId: idText.optional(),
});

export const streamQuery = z.strictObject({
  format: z.enum(['text', 'sse']).optional().meta({ description: 'Overrides the Accept header.' }),
});
