/**
 * Compile-time tests of the schema ↔ wire-type checks (src-main/server/schemas/agreement.ts), run
 * by `npm run typecheck`: each `@ts-expect-error` line must fail to compile, so a check that grew
 * lax would fail the type check here. Nothing in this file runs.
 */
import { z } from 'zod';
import type { RequestMatchesWire, ResponseMatchesWire, SameType } from '../../src-main/server/schemas/agreement';

interface Wire {
  id: string;
  note?: string;
  login?: { method: 'a' | 'b'; options?: string[] };
}

const exact = z.object({
  id: z.string(),
  note: z.string().optional(),
  login: z.object({ method: z.enum(['a', 'b']), options: z.array(z.string()).optional() }).optional(),
});
const lacksOptional = z.object({ id: z.string(), login: exact.shape.login });
const lacksNestedOptional = z.object({ id: z.string(), note: z.string().optional(), login: z.object({ method: z.enum(['a', 'b']) }).optional() });
const extraOptional = exact.extend({ extra: z.string().optional() });
const widerValue = exact.extend({ login: z.object({ method: z.string(), options: z.array(z.string()).optional() }).optional() });

export const same: ResponseMatchesWire<typeof exact, Wire> = true;
// @ts-expect-error a wire field the schema lacks is drift, even an optional one
export const missing: ResponseMatchesWire<typeof lacksOptional, Wire> = true;
// @ts-expect-error the same inside a nested object (the handle's login.options)
export const missingNested: ResponseMatchesWire<typeof lacksNestedOptional, Wire> = true;
// @ts-expect-error a schema field the wire type lacks is drift too
export const extra: ResponseMatchesWire<typeof extraOptional, Wire> = true;
// @ts-expect-error a wider value type (string for an enum) is drift
export const wider: ResponseMatchesWire<typeof widerValue, Wire> = true;

// Requests may be narrower than their wire type, never wider.
export const narrowRequest: RequestMatchesWire<z.ZodObject<{ id: z.ZodString }>, { id: string; note?: string }> = true;
// @ts-expect-error a request schema accepting more than the wire type allows
export const widerRequest: RequestMatchesWire<typeof widerValue, Wire> = true;

export const identical: SameType<{ a?: string }, { a?: string | undefined }> = true;
