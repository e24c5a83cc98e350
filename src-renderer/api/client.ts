import type { AgentHandle } from '../../src-shared/agent';
import {
  API_PREFIX,
  type AgentListResponse,
  type CreateAgentRequest,
  type HealthResponse,
  type KeysResponse,
  type LogsResponse,
  type SendResponse,
  type StopResponse,
  type ClearAgentsResponse,
  type TranscriptMeta,
} from '../../src-shared/api';
import { isErrorCode, type ErrorBody, type ErrorCode } from '../../src-shared/errors';

/**
 * The runtime's HTTP API, as any client would use it (the same routes Raven Docs calls). Errors come
 * back as {@link ApiError} with the server's code, so the UI can show "CLI_NOT_FOUND" and the
 * install command instead of "Request failed".
 */

/** Codes the client adds for failures that never reached the server's error handler. */
export type ClientErrorCode = ErrorCode | 'NETWORK_ERROR' | 'ROUTE_MISSING';

export class ApiError extends Error {
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    readonly status: number,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function errorInfo(error: unknown): { code: string; message: string; details: Record<string, unknown> } {
  if (error instanceof ApiError) return { code: error.code, message: error.message, details: error.details };
  if (error instanceof Error) return { code: 'INTERNAL', message: error.message, details: {} };
  return { code: 'INTERNAL', message: String(error), details: {} };
}

/** An entry of `GET /transcripts`. */
export type TranscriptSummary = TranscriptMeta;

export interface Connection {
  /** e.g. `http://127.0.0.1:8765` (no trailing slash). */
  baseUrl: string;
  token?: string;
}

/** Called on 401: returns a new key to retry with, or undefined to give up. */
export type UnauthorizedHandler = (message: string) => Promise<string | undefined>;

const JSON_HEADERS = { 'Content-Type': 'application/json' };
/** A turn can take minutes (a long refactor); beyond this the UI says so and the agent keeps working. */
export const SEND_TIMEOUT_MS = 10 * 60_000;

export class ApiClient {
  private unauthorized: UnauthorizedHandler | undefined;
  private reauth: Promise<string | undefined> | undefined;

  constructor(private connection: Connection) {}

  get baseUrl(): string {
    return this.connection.baseUrl;
  }

  get token(): string | undefined {
    return this.connection.token;
  }

  setToken(token: string | undefined): void {
    this.connection = { ...this.connection, token };
  }

  onUnauthorized(handler: UnauthorizedHandler): void {
    this.unauthorized = handler;
  }

  /** `ws://host/path?…&token=…` for a socket path. */
  socketUrl(path: string, query: Record<string, string> = {}): string {
    const url = new URL(path, this.connection.baseUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    if (this.connection.token) url.searchParams.set('token', this.connection.token);
    return url.toString();
  }

  /**
   * One request. A 401 asks the unauthorized handler (the API-key prompt) once, and retries with
   * what it returns; concurrent 401s share one prompt.
   */
  async request<T>(method: string, path: string, body?: unknown, options: { signal?: AbortSignal; raw?: boolean } = {}): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        const headers: Record<string, string> = body === undefined ? {} : { ...JSON_HEADERS };
        if (this.connection.token) headers.Authorization = `Bearer ${this.connection.token}`;
        response = await fetch(`${this.connection.baseUrl}${path}`, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: options.signal,
          cache: 'no-store',
        });
      } catch (error) {
        if (error instanceof DOMException && error.name === 'AbortError') throw error;
        throw new ApiError('NETWORK_ERROR', 'Cannot reach the runtime. Is it still running?', 0);
      }
      if (response.status === 401 && attempt === 0 && this.unauthorized) {
        const parsed = await readError(response);
        this.reauth ??= this.unauthorized(parsed.message).finally(() => {
          this.reauth = undefined;
        });
        const key = await this.reauth;
        if (key === undefined) throw parsed;
        this.setToken(key);
        continue;
      }
      if (!response.ok) throw await readError(response);
      if (options.raw) return (await response.text()) as T;
      if (response.status === 204) return undefined as T;
      return (await response.json()) as T;
    }
  }

  health(): Promise<HealthResponse> {
    return this.request('GET', `${API_PREFIX}/health`);
  }

  async listAgents(): Promise<AgentHandle[]> {
    return (await this.request<AgentListResponse>('GET', `${API_PREFIX}/agents`)).agents;
  }

  getAgent(id: string): Promise<AgentHandle> {
    return this.request('GET', `${API_PREFIX}/agents/${encodeURIComponent(id)}`);
  }

  spawn(request: CreateAgentRequest): Promise<AgentHandle> {
    return this.request('POST', `${API_PREFIX}/agents`, request);
  }

  /** Stops the agent and spawns it again from the same request; the runtime answers with the new agent. */
  restart(id: string, credentials?: Record<string, string>): Promise<AgentHandle> {
    return this.request<AgentHandle>('POST', `${API_PREFIX}/agents/${encodeURIComponent(id)}/restart`, credentials ? { credentials } : {});
  }

  async stop(id: string): Promise<AgentHandle> {
    return (await this.request<StopResponse>('POST', `${API_PREFIX}/agents/${encodeURIComponent(id)}/stop`, {})).agent;
  }

  /** Stops (if needed) and forgets the agent; its recording stays under History. */
  async remove(id: string): Promise<void> {
    await this.request<unknown>('DELETE', `${API_PREFIX}/agents/${encodeURIComponent(id)}`);
  }

  /** Forgets every stopped agent; resolves with their ids. */
  async clearStopped(): Promise<string[]> {
    return (await this.request<ClearAgentsResponse>('DELETE', `${API_PREFIX}/agents?status=stopped`)).cleared;
  }

  send(id: string, message: string, signal?: AbortSignal): Promise<SendResponse> {
    return this.request('POST', `${API_PREFIX}/agents/${encodeURIComponent(id)}/send`, { message, timeout: SEND_TIMEOUT_MS }, { signal });
  }

  keys(id: string, keys: string[]): Promise<KeysResponse> {
    return this.request('POST', `${API_PREFIX}/agents/${encodeURIComponent(id)}/keys`, { keys });
  }

  input(id: string, data: string): Promise<unknown> {
    return this.request('POST', `${API_PREFIX}/agents/${encodeURIComponent(id)}/input`, { data });
  }

  async logs(id: string, tail: number): Promise<string[]> {
    return (await this.request<LogsResponse>('GET', `${API_PREFIX}/agents/${encodeURIComponent(id)}/logs?tail=${tail}`)).logs;
  }

  /** An older runtime without these routes answers a generic 404; that becomes ROUTE_MISSING. */
  async transcripts(): Promise<TranscriptSummary[]> {
    const body = await this.routeOrMissing(() => this.request<{ transcripts: TranscriptSummary[] }>('GET', `${API_PREFIX}/transcripts`), 'GET /transcripts');
    return body.transcripts;
  }

  transcriptPart(id: string, part: string): Promise<string> {
    return this.routeOrMissing(
      () => this.request<string>('GET', `${API_PREFIX}/transcripts/${encodeURIComponent(id)}/${encodeURIComponent(part)}`, undefined, { raw: true }),
      'GET /transcripts/:id/:part',
    );
  }

  private async routeOrMissing<T>(call: () => Promise<T>, route: string): Promise<T> {
    try {
      return await call();
    } catch (error) {
      // The server's generic 404 for an unknown path is NOT_FOUND; an unknown agent would be AGENT_NOT_FOUND.
      if (error instanceof ApiError && error.status === 404 && error.code === 'NOT_FOUND') {
        throw new ApiError('ROUTE_MISSING', `This runtime does not offer ${route} yet, so recorded sessions cannot be listed here.`, 404);
      }
      throw error;
    }
  }
}

async function readError(response: Response): Promise<ApiError> {
  let body: Partial<ErrorBody> = {};
  try {
    body = (await response.json()) as Partial<ErrorBody>;
  } catch {
    body = {};
  }
  const code: ClientErrorCode = isErrorCode(body.code) ? body.code : response.status === 404 ? 'NOT_FOUND' : 'INTERNAL';
  const message = typeof body.error === 'string' && body.error !== '' ? body.error : `${response.status} ${response.statusText}`;
  return new ApiError(code, message, response.status, typeof body.details === 'object' && body.details !== null ? body.details : {});
}
