import { z } from 'zod';
import { ISOLATION_MODES, NETWORK_MODES } from '../../../src-shared/isolation';
import { MAX_LABEL_CHARS, MAX_PATH_CHARS } from '../../../src-shared/limits';
import { osString } from './common';

/** A spawn's `isolation` (request side) and what the handle and /health say about it (response side). */

/** Paths and hosts a policy may list: enough for any real policy, small enough to bound the bwrap argv. */
const MAX_POLICY_ENTRIES = 64;

const limitsSchema = z.strictObject({
  memoryMb: z.number().int().min(16).max(1_048_576).optional().meta({ description: 'Memory of the agent and all it starts, MiB.' }),
  cpuPercent: z.number().int().min(1).max(102_400).optional().meta({ description: 'CPU as a percentage of one core (200 = two cores).' }),
  maxProcesses: z.number().int().min(4).max(1_000_000).optional().meta({ description: 'Processes and threads at once.' }),
});

export const isolationRequestSchema = z.strictObject({
  mode: z.enum(ISOLATION_MODES),
  network: z.enum(NETWORK_MODES).optional(),
  allow: z.array(z.string().min(1).max(MAX_LABEL_CHARS)).max(MAX_POLICY_ENTRIES).optional().meta({ description: 'Extra allowlist hosts: host, host:port or *.domain.' }),
  writable: z.array(osString(MAX_PATH_CHARS).min(1)).max(MAX_POLICY_ENTRIES).optional(),
  readOnly: z.array(osString(MAX_PATH_CHARS).min(1)).max(MAX_POLICY_ENTRIES).optional(),
  limits: limitsSchema.optional(),
  image: z.string().min(1).max(MAX_LABEL_CHARS).optional(),
});

export const isolationSpecSchema = z.union([z.enum(ISOLATION_MODES), isolationRequestSchema]).meta({
  description: '`none` (default), `sandbox` or `container`, or a policy object (docs/isolation.md).',
});

const limitsMechanismSchema = z.enum(['cgroup-v2', 'cgroup-v1', 'rlimit', 'none']);

export const agentIsolationSchema = z.object({
  mode: z.enum(ISOLATION_MODES),
  network: z.enum(NETWORK_MODES).optional(),
  allowedHosts: z.array(z.string()).optional(),
  limits: z.object({ memoryMb: z.number().optional(), cpuPercent: z.number().optional(), maxProcesses: z.number().optional() }).optional(),
  limitsEnforcedBy: limitsMechanismSchema.optional(),
  engine: z.enum(['docker', 'podman']).optional(),
  image: z.string().optional(),
  refusedConnections: z.number().optional(),
});

const modeSupportSchema = z.object({ available: z.boolean(), reason: z.string().optional() });

export const isolationSupportSchema = z.object({
  none: modeSupportSchema,
  sandbox: modeSupportSchema.extend({ backend: z.enum(['bubblewrap', 'sandbox-exec']).optional() }),
  container: modeSupportSchema.extend({ engine: z.enum(['docker', 'podman']).optional() }),
  limits: limitsMechanismSchema,
  defaultMode: z.enum(ISOLATION_MODES),
});
