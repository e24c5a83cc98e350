import { z } from 'zod';
import type { InputRequest, KeysRequest, ResizeRequest, SendRequest, StopRequest } from '../../../src-shared/api';
import { MAX_SEND_TIMEOUT_MS, MAX_STOP_TIMEOUT_MS } from '../../../src-shared/limits';
import type { RequestMatchesWire } from './agreement';
import { colsSchema, credentialsSchema, keyOrKeyList, messageText, rawInput, rowsSchema } from './common';

/** Inputs of routes/control.ts: what a client does to a running agent. */

export const sendBody = z.strictObject({
  message: messageText,
  timeout: z.number().int().min(1).max(MAX_SEND_TIMEOUT_MS).optional().meta({ description: 'Milliseconds to wait for the reply.' }),
  expectResponse: z.boolean().optional(),
});

export const keysBody = z.strictObject({ keys: keyOrKeyList });

export const inputBody = z.strictObject({
  data: rawInput.meta({ description: 'Raw bytes for the terminal, e.g. "ls\\r".' }),
});

export const resizeBody = z.strictObject({ cols: colsSchema, rows: rowsSchema });

/** `POST /agents/:id/restart`: new credentials replace the old ones (e.g. a key entered at a login). */
export const restartBody = z.strictObject({ credentials: credentialsSchema.optional() });

export const stopBody = z.strictObject({
  force: z.boolean().optional(),
  timeout: z.number().int().min(0).max(MAX_STOP_TIMEOUT_MS).optional(),
});

const agreement: [
  RequestMatchesWire<typeof sendBody, SendRequest>,
  RequestMatchesWire<typeof keysBody, KeysRequest>,
  RequestMatchesWire<typeof inputBody, InputRequest>,
  RequestMatchesWire<typeof resizeBody, ResizeRequest>,
  RequestMatchesWire<typeof stopBody, StopRequest>,
] = [true, true, true, true, true];
void agreement;
