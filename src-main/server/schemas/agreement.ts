import type { z } from 'zod';

/**
 * Compile-time checks that the schemas and the shared wire types (src-shared/) describe the same
 * thing, so neither can change without the other.
 */

/**
 * Rebuilds a type as plain nested object types, so that two spellings of the same shape (an
 * interface, an intersection zod builds, a mapped type) compare as the same.
 */
type Normalised<T> = T extends (...args: never[]) => unknown ? T : T extends object ? { [K in keyof T]: Normalised<T[K]> } : T;

/**
 * The same type, not merely mutually assignable: mutual assignability passes a schema that lacks an
 * optional field of its type (or has one the type lacks), which is exactly how drift looks.
 */
export type SameType<A, B> =
  (<T>() => T extends Normalised<A> ? 1 : 2) extends <T>() => T extends Normalised<B> ? 1 : 2 ? true : false;

/**
 * A response schema documents exactly the wire type the route sends: checked both ways, since a
 * field the type gained but the schema lacks is as wrong as the reverse (that drift went unnoticed
 * while the check was one-way).
 */
export type ResponseMatchesWire<Schema extends z.ZodType, Wire> = SameType<z.output<Schema>, Wire>;

/**
 * A request schema may be narrower than its wire type (it adds limits, and defaults nothing), but
 * whatever it accepts must be a valid request of that type.
 */
export type RequestMatchesWire<Schema extends z.ZodType, Wire> = [z.output<Schema>] extends [Wire] ? true : false;
