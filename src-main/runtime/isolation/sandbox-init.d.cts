import type { Duplex } from 'node:stream';

/**
 * Types for what sandbox-init.cjs exports to the runtime (it is plain CommonJS because it runs
 * inside the sandbox from its own file, with nothing else bound).
 */

/** Bytes both ways with backpressure, half-close passed on; see sandbox-init.cjs. */
export function relay(a: Duplex, b: Duplex): void;
