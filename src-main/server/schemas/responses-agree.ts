import type {
  AgentListResponse,
  AgentMetrics,
  ClearAgentsResponse,
  HealthResponse,
  InputResponse,
  KeysResponse,
  LogEntriesResponse,
  LogsResponse,
  OutputResponse,
  RavenSpawnResponse,
  ResizeResponse,
  RuntimeMetrics,
  SendResponse,
  ServiceDescription,
  StopResponse,
  TranscriptMeta,
} from '../../../src-shared/api';
import type { AgentHandle } from '../../../src-shared/agent';
import type { ErrorBody } from '../../../src-shared/errors';
import type { ThreadHandle, ThreadListResponse } from '../../../src-shared/threads';
import type { ResponseMatchesWire } from './agreement';
import type * as responses from './responses';

/**
 * Every response schema against its src-shared type, both ways, at compile time. `WireTypeOf`
 * must name every export of responses.ts (a new schema without a wire type fails to compile), and
 * a schema that drifts from its type fails with its own name in the error.
 */
interface WireTypeOf {
  errorBodySchema: ErrorBody;
  agentHandleSchema: AgentHandle;
  agentListSchema: AgentListResponse;
  clearAgentsResponseSchema: ClearAgentsResponse;
  healthSchema: HealthResponse;
  sendResponseSchema: SendResponse;
  logsResponseSchema: LogsResponse;
  logEntriesResponseSchema: LogEntriesResponse;
  logsOrEntriesResponseSchema: LogsResponse | LogEntriesResponse;
  outputResponseSchema: OutputResponse;
  transcriptListSchema: { transcripts: TranscriptMeta[] };
  keysResponseSchema: KeysResponse;
  inputResponseSchema: InputResponse;
  resizeResponseSchema: ResizeResponse;
  stopResponseSchema: StopResponse;
  agentMetricsSchema: AgentMetrics;
  runtimeMetricsSchema: RuntimeMetrics;
  threadHandleSchema: ThreadHandle;
  threadListSchema: ThreadListResponse;
  threadSendResponseSchema: { sent: true };
  ravenSpawnResponseSchema: RavenSpawnResponse;
  serviceDescriptionSchema: ServiceDescription;
}

type Schemas = typeof responses;
type Unpaired = Exclude<keyof Schemas, keyof WireTypeOf> | Exclude<keyof WireTypeOf, keyof Schemas>;
type Drifted = {
  [K in keyof WireTypeOf & keyof Schemas]: ResponseMatchesWire<Schemas[K], WireTypeOf[K]> extends true ? never : K;
}[keyof WireTypeOf & keyof Schemas];

/** Compiles only when `Names` is empty; otherwise the error lists them. */
type NoneOf<Names extends never> = Names;

/** Fails to compile naming the schema that has no wire type (or the wire type with no schema). */
export type EveryResponsePaired = NoneOf<Unpaired>;
/** Fails to compile naming the schema that differs from its wire type. */
export type NoResponseDrifted = NoneOf<Drifted>;
