/**
 * Scripted fake model server for driving the real agent CLIs (Claude Code, Codex, Gemini CLI) offline.
 *
 * One `node:http` server speaks three wire protocols:
 *  - Anthropic Messages API      POST /v1/messages[?beta=true] (SSE or JSON), /v1/messages/count_tokens
 *  - OpenAI Responses API        POST /v1/responses (SSE or JSON), GET /v1/models
 *  - Gemini API                  POST /v1beta/models/<m>:generateContent | :streamGenerateContent[?alt=sse] | :countTokens
 * plus a loopback OAuth "issuer" for `codex login --device-auth --experimental_issuer <url>`.
 *
 * The reply is chosen from the text of the last real user message (system reminders and
 * CLI-injected context blocks are stripped):
 *  - a tool result after that message        → "TOOL DONE" (held back 1.2 s so the tool output is observable first)
 *  - contains RUN_TOOL                        → a call to the CLI's shell tool writing out.txt
 *  - contains LONG                            → 400 lines `line 001`…`line 400` inside a fenced code block
 *  - contains SLOW                            → "SLOW PONG", first token after ~1 s, then one char every ~230 ms
 *  - contains hello (case-insensitive)        → "PONG"
 *  - anything else                            → "ECHO: <text>"
 * Requests that do not offer a shell tool, or that demand a JSON-schema answer (title generation, quota
 * probes, next-speaker checks, model routers, summaries…), are auxiliary: they get "OK", or a minimal
 * object matching the requested schema, and are recorded with kind "aux".
 *
 * Shell tools: Claude `Bash`, Gemini `run_shell_command`. Codex 0.169 sends no `tools` field; its tools
 * arrive as an `additional_tools` input item (namespaces), and the only way to a shell is "code mode": the
 * freeform `exec` tool whose JavaScript input calls `await tools.exec_command({cmd, …})`.
 */
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomUUID } from 'node:crypto';

export type ApiKind = 'anthropic' | 'openai' | 'gemini' | 'other';

/** What the server decided the request was; lets tests ignore the CLIs' own background calls. */
export type RequestKind = 'turn' | 'tool_result' | 'aux' | 'count_tokens' | 'models' | 'auth' | 'other';

export interface RecordedRequest {
  api: ApiKind;
  method: string;
  path: string;
  body: unknown;
  lastUserText: string;
  kind: RequestKind;
  /** Short description of what was sent back (e.g. `text:PONG`, `tool:Bash`). */
  reply: string;
  time: number;
}

export interface ModelServer {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Device-auth state of the loopback issuer (for `codex login --device-auth`). */
  deviceAuth: { userCode: string; approved: boolean; polls: number; approve(): void };
  close(): Promise<void>;
}

export interface ModelServerOptions {
  port?: number;
  /** One-time code the issuer hands out. Default `ABCD-EFGH`. */
  deviceUserCode?: string;
  /**
   * After how many ms from the first user-code request the issuer reports the code as confirmed,
   * so `codex login` completes. `null` (default) = never; call `deviceAuth.approve()` instead.
   */
  deviceApproveAfterMs?: number | null;
  /** Log each request to stderr (debugging). */
  verbose?: boolean;
  /** Shell command the model asks to run for RUN_TOOL (default: TOOL_COMMAND). */
  toolCommand?: string;
}

export const TOOL_COMMAND = "printf 'TOOL_OUTPUT_42\\n' | tee out.txt";
export const LONG_LINE_COUNT = 400;

export function longReplyText(): string {
  const lines: string[] = [];
  for (let i = 1; i <= LONG_LINE_COUNT; i++) lines.push(`line ${String(i).padStart(3, '0')}`);
  // A fenced block: all three markdown renderers keep its lines apart verbatim, whereas plain
  // lines would be re-flowed into one paragraph and list items get bullets/numbers prepended.
  return 'Here are the lines:\n\n```text\n' + lines.join('\n') + '\n```\n';
}

// ---------------------------------------------------------------------------------------------
// Small JSON helpers (bodies are untyped JSON; these narrow without `any`)

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

function isObj(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function arr(v: unknown): Json[] {
  return Array.isArray(v) ? (v as Json[]) : [];
}
function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
function obj(v: unknown): JsonObject {
  return isObj(v) ? v : {};
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('closed'));
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new Error('closed'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });

// ---------------------------------------------------------------------------------------------
// Turn planning (API independent)

/** Strip blocks the CLIs inject into user messages so only what the human typed remains. */
export function stripInjected(text: string): string {
  let t = text;
  // Paired tag blocks: <system-reminder>, <environment_context>, <user_instructions>, <INSTRUCTIONS>, …
  for (let i = 0; i < 5; i++) {
    const next = t.replace(/<([A-Za-z_][\w-]*)(\s[^>]*)?>[\s\S]*?<\/\1>/g, '');
    if (next === t) break;
    t = next;
  }
  t = t.trim();
  if (/^# AGENTS\.md instructions/.test(t)) return '';
  return t;
}

type Plan =
  | { type: 'text'; text: string; pace: 'fast' | 'slow' | 'after-tool' }
  | { type: 'tool'; command: string };

function planFor(lastUserText: string, hasToolResult: boolean, toolCommand = TOOL_COMMAND): Plan {
  if (hasToolResult) return { type: 'text', text: 'TOOL DONE', pace: 'after-tool' };
  if (lastUserText.includes('RUN_TOOL')) return { type: 'tool', command: toolCommand };
  if (lastUserText.includes('LONG')) return { type: 'text', text: longReplyText(), pace: 'fast' };
  if (lastUserText.includes('SLOW')) return { type: 'text', text: 'SLOW PONG', pace: 'slow' };
  if (/hello/i.test(lastUserText)) return { type: 'text', text: 'PONG', pace: 'fast' };
  return { type: 'text', text: `ECHO: ${lastUserText}`, pace: 'fast' };
}

/** Pieces and delays to stream `text` with. */
function chunksFor(text: string, pace: 'fast' | 'slow' | 'after-tool'): { delta: string; delayMs: number }[] {
  // Held back so the screen with the tool output but without the final answer is observable.
  if (pace === 'after-tool') return [{ delta: text, delayMs: 1200 }];
  if (pace === 'slow') {
    // The first token is held back ~1 s because Codex only shows its busy line until the first token.
    return [...text].map((ch, i) => ({ delta: ch, delayMs: i === 0 ? 1000 : 230 }));
  }
  const out: { delta: string; delayMs: number }[] = [];
  const size = 200;
  for (let i = 0; i < text.length; i += size) out.push({ delta: text.slice(i, i + size), delayMs: i === 0 ? 0 : 2 });
  if (out.length === 0) out.push({ delta: '', delayMs: 0 });
  return out;
}

// ---------------------------------------------------------------------------------------------
// JSON-schema driven values (for aux requests that demand structured output, and tool arguments)

function valueFromSchema(schemaIn: unknown, depth = 0): Json {
  const schema = obj(schemaIn);
  if (depth > 8) return null;
  const anyOf = arr(schema.anyOf ?? schema.oneOf);
  if (anyOf.length > 0) return valueFromSchema(anyOf[0], depth + 1);
  const enumVals = arr(schema.enum);
  if (enumVals.length > 0) return enumVals[0];
  if ('const' in schema) return schema.const ?? null;
  let type = schema.type;
  if (Array.isArray(type)) type = type.find((t) => t !== 'null') ?? 'string';
  const t = str(type).toLowerCase();
  if (t === 'object' || (!t && isObj(schema.properties))) {
    const props = obj(schema.properties);
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(props)) out[k] = valueFromSchema(v, depth + 1);
    return out;
  }
  if (t === 'array') return [];
  if (t === 'boolean') return false;
  if (t === 'integer' || t === 'number') return 0;
  if (t === 'null') return null;
  return 'OK';
}

/** Build arguments for a shell tool from its parameter schema, so we follow whatever shape the CLI offers. */
function shellArgs(paramSchema: unknown, command: string): JsonObject {
  const schema = obj(paramSchema);
  const props = obj(schema.properties);
  const required = new Set(arr(schema.required).map(str));
  const out: JsonObject = {};
  for (const [name, propSchema] of Object.entries(props)) {
    const p = obj(propSchema);
    const type = str(Array.isArray(p.type) ? p.type[0] : p.type);
    if (name === 'command' || name === 'cmd') {
      out[name] = type === 'array' ? ['bash', '-lc', command] : command;
    } else if (name === 'description') {
      out[name] = 'Write TOOL_OUTPUT_42 to out.txt';
    } else if (name === 'justification') {
      out[name] = 'Write the test marker file out.txt';
    } else if (name === 'sandbox_permissions' && arr(p.enum).map(str).includes('require_escalated')) {
      // Asking for escalation makes Codex show its approval question even though the workspace
      // sandbox would let the write through silently.
      out[name] = 'require_escalated';
    } else if (name === 'with_escalated_permissions') {
      out[name] = true;
    } else if (required.has(name)) {
      out[name] = valueFromSchema(p);
    }
  }
  if (Object.keys(props).length === 0) out.command = command;
  return out;
}

const SHELL_TOOL_NAMES = ['Bash', 'run_shell_command', 'shell_command', 'exec_command', 'shell', 'local_shell'];

interface ToolDecl {
  name: string;
  params: unknown;
  /** OpenAI "custom" (freeform) tool instead of a JSON function. */
  freeform: boolean;
  description?: string;
}

interface ShellTool extends ToolDecl {
  /**
   * Codex "code mode": the only top-level tool is the freeform JavaScript tool `exec`, and shell
   * commands are reached through `await tools.exec_command({...})` inside that script.
   */
  codeMode?: boolean;
}

function pickShellTool(tools: ToolDecl[]): ShellTool | undefined {
  for (const want of SHELL_TOOL_NAMES) {
    const t = tools.find((x) => x.name === want);
    if (t) return t;
  }
  const exec = tools.find((x) => x.name === 'exec' && x.freeform && (x.description ?? '').includes('exec_command'));
  if (exec) return { ...exec, codeMode: true };
  return undefined;
}

/** JavaScript for Codex's code-mode `exec` tool that runs `command` through the nested `exec_command`. */
function codeModeScript(command: string): string {
  const args = {
    cmd: command,
    // Escalation makes Codex ask for approval whatever its sandbox policy would decide; the question
    // then carries the `Reason: <justification>` line.
    sandbox_permissions: 'require_escalated',
    justification: 'Write the test marker file out.txt',
  };
  return `const r = await tools.exec_command(${JSON.stringify(args)});\ntext(typeof r === 'string' ? r : r.output);\n`;
}

// ---------------------------------------------------------------------------------------------
// Per-API request analysis

interface Analysis {
  lastUserText: string;
  /** Command for RUN_TOOL (server option). */
  toolCommand?: string;
  hasToolResult: boolean;
  shellTool?: ShellTool;
  /** JSON schema the caller wants the answer to follow, if any (aux structured output). */
  responseSchema?: unknown;
  /** Anthropic: a tool the request forces (`tool_choice`), answered with a schema-shaped call. */
  forcedTool?: { name: string; params: unknown };
}

function anthropicTextOf(content: unknown): string {
  if (typeof content === 'string') return content;
  return arr(content)
    .filter((b) => isObj(b) && b.type === 'text')
    .map((b) => str(obj(b).text))
    .join('\n');
}

/**
 * The last user turn that carries text (tool results are user turns too, without text), and
 * whether a tool result came after it: that is how each protocol says "the tool ran, now answer".
 */
function lastUserTurn(items: JsonObject[], textOf: (item: JsonObject) => string | undefined, isToolResult: (item: JsonObject) => boolean): Pick<Analysis, 'lastUserText' | 'hasToolResult'> {
  let userIdx = -1;
  let lastUserText = '';
  for (let i = items.length - 1; i >= 0; i--) {
    const text = textOf(items[i]);
    if (text) {
      userIdx = i;
      lastUserText = text;
      break;
    }
  }
  return { lastUserText, hasToolResult: items.slice(Math.max(userIdx, 0)).some(isToolResult) };
}

function analyzeAnthropic(body: JsonObject): Analysis {
  const turn = lastUserTurn(
    arr(body.messages).map(obj),
    (m) => (m.role === 'user' ? stripInjected(anthropicTextOf(m.content)) : undefined),
    (m) => arr(m.content).some((b) => isObj(b) && b.type === 'tool_result'),
  );
  const tools = arr(body.tools).map(obj).map((t) => ({ name: str(t.name), params: t.input_schema, freeform: false }));
  const a: Analysis = { ...turn, shellTool: pickShellTool(tools) };
  const choice = obj(body.tool_choice);
  if (choice.type === 'tool') {
    const forced = tools.find((t) => t.name === str(choice.name));
    if (forced) a.forcedTool = { name: forced.name, params: forced.params };
  }
  const fmt = obj(body.output_format ?? obj(body.output_config).format);
  if (fmt.type === 'json_schema') a.responseSchema = fmt.schema ?? obj(fmt.json_schema).schema;
  return a;
}

function openaiTextOf(item: JsonObject): string {
  if (typeof item.content === 'string') return item.content;
  return arr(item.content)
    .filter((c) => isObj(c) && (c.type === 'input_text' || c.type === 'text' || c.type === 'output_text'))
    .map((c) => str(obj(c).text))
    .join('\n');
}

function analyzeOpenAI(body: JsonObject): Analysis {
  const input = typeof body.input === 'string' ? [{ role: 'user', content: body.input } as JsonObject] : arr(body.input).map(obj);
  const turn = lastUserTurn(
    input,
    (it) => (it.role === 'user' && (it.type === undefined || it.type === 'message') ? stripInjected(openaiTextOf(it)) : undefined),
    (it) => /_call_output$/.test(str(it.type)),
  );
  // Codex 0.169 sends its tools as an `additional_tools` input item holding namespaces, not in `tools`.
  const raw = [...arr(body.tools), ...input.filter((it) => it.type === 'additional_tools').flatMap((it) => arr(it.tools))];
  const tools: ToolDecl[] = [];
  const walk = (list: Json[]): void => {
    for (const t of list.map(obj)) {
      if (t.type === 'namespace') {
        walk(arr(t.tools));
        continue;
      }
      tools.push({
        name: str(t.name ?? obj(t.function).name) || str(t.type),
        params: t.parameters ?? obj(t.function).parameters,
        freeform: t.type === 'custom',
        description: str(t.description),
      });
    }
  };
  walk(raw);
  const a: Analysis = { ...turn, shellTool: pickShellTool(tools) };
  const fmt = obj(obj(body.text).format);
  if (fmt.type === 'json_schema') a.responseSchema = fmt.schema;
  return a;
}

function analyzeGemini(body: JsonObject): Analysis {
  const turn = lastUserTurn(
    arr(body.contents).map(obj),
    (c) =>
      c.role === 'user'
        ? stripInjected(
            arr(c.parts)
              .map(obj)
              .map((p) => str(p.text))
              .filter((t) => t)
              .join('\n'),
          )
        : undefined,
    (c) => arr(c.parts).some((p) => isObj(p) && isObj(p.functionResponse)),
  );
  const decls: ToolDecl[] = arr(body.tools)
    .map(obj)
    .flatMap((t) => arr(t.functionDeclarations).map(obj))
    .map((d) => ({ name: str(d.name), params: d.parametersJsonSchema ?? d.parameters, freeform: false }));
  const a: Analysis = { ...turn, shellTool: pickShellTool(decls) };
  const gc = obj(body.generationConfig);
  if (gc.responseMimeType === 'application/json') a.responseSchema = gc.responseJsonSchema ?? gc.responseSchema ?? {};
  return a;
}

// ---------------------------------------------------------------------------------------------
// Wire writers

interface Writer {
  sse(event: string | null, data: unknown): void;
  end(): void;
}

function sseWriter(res: http.ServerResponse): Writer {
  if (!res.headersSent) {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.flushHeaders();
  }
  return {
    sse(event, data) {
      if (res.destroyed) throw new Error('client went away');
      res.write((event ? `event: ${event}\n` : '') + `data: ${JSON.stringify(data)}\n\n`);
    },
    end() {
      if (!res.destroyed) res.end();
    },
  };
}

function sendJson(res: http.ServerResponse, status: number, data: unknown): void {
  const body = JSON.stringify(data);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const newId = (prefix: string): string => `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 24)}`;

// ---------------------------------------------------------------------------------------------
// Anthropic

async function answerAnthropic(
  body: JsonObject,
  a: Analysis,
  aux: boolean,
  res: http.ServerResponse,
  signal: AbortSignal,
): Promise<string> {
  const model = str(body.model) || 'claude-test';
  const id = newId('msg');
  const usage = { input_tokens: 12, output_tokens: 4, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  let plan: Plan;
  let forced: { name: string; input: JsonObject } | undefined;
  if (aux) {
    if (a.forcedTool) forced = { name: a.forcedTool.name, input: obj(valueFromSchema(a.forcedTool.params)) };
    plan = { type: 'text', text: a.responseSchema ? JSON.stringify(valueFromSchema(a.responseSchema)) : 'OK', pace: 'fast' };
  } else {
    plan = planFor(a.lastUserText, a.hasToolResult, a.toolCommand);
  }
  const toolCall =
    forced ??
    (plan.type === 'tool' && a.shellTool ? { name: a.shellTool.name, input: shellArgs(a.shellTool.params, plan.command) } : undefined);
  const text = plan.type === 'text' ? plan.text : 'I will run the command.';
  const pace = plan.type === 'text' ? plan.pace : 'fast';
  const summary = toolCall ? `tool:${toolCall.name}` : `text:${text.slice(0, 40)}`;

  if (body.stream !== true) {
    const content: JsonObject[] = [];
    if (toolCall) content.push({ type: 'tool_use', id: newId('toolu'), name: toolCall.name, input: toolCall.input });
    else content.push({ type: 'text', text });
    sendJson(res, 200, {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content,
      stop_reason: toolCall ? 'tool_use' : 'end_turn',
      stop_sequence: null,
      usage,
    });
    return summary;
  }

  const w = sseWriter(res);
  w.sse('message_start', {
    type: 'message_start',
    message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } },
  });
  w.sse('ping', { type: 'ping' });
  if (toolCall) {
    w.sse('content_block_start', {
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'tool_use', id: newId('toolu'), name: toolCall.name, input: {} },
    });
    w.sse('content_block_delta', {
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'input_json_delta', partial_json: JSON.stringify(toolCall.input) },
    });
    w.sse('content_block_stop', { type: 'content_block_stop', index: 0 });
  } else {
    w.sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    for (const c of chunksFor(text, pace)) {
      if (c.delayMs) await sleep(c.delayMs, signal);
      w.sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: c.delta } });
    }
    w.sse('content_block_stop', { type: 'content_block_stop', index: 0 });
  }
  w.sse('message_delta', {
    type: 'message_delta',
    delta: { stop_reason: toolCall ? 'tool_use' : 'end_turn', stop_sequence: null },
    usage: { output_tokens: Math.max(1, Math.ceil(text.length / 4)) },
  });
  w.sse('message_stop', { type: 'message_stop' });
  w.end();
  return summary;
}

// ---------------------------------------------------------------------------------------------
// OpenAI Responses

async function answerOpenAI(
  body: JsonObject,
  a: Analysis,
  aux: boolean,
  res: http.ServerResponse,
  signal: AbortSignal,
): Promise<string> {
  const model = str(body.model) || 'gpt-test';
  const respId = newId('resp');
  const created = Math.floor(Date.now() / 1000);
  const plan: Plan = aux
    ? { type: 'text', text: a.responseSchema ? JSON.stringify(valueFromSchema(a.responseSchema)) : 'OK', pace: 'fast' }
    : planFor(a.lastUserText, a.hasToolResult, a.toolCommand);
  const usage = {
    input_tokens: 12,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 4,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 16,
  };
  const base = (status: string, output: JsonObject[]): JsonObject => ({
    id: respId,
    object: 'response',
    created_at: created,
    status,
    model,
    output,
    usage: status === 'completed' ? usage : null,
    error: null,
    incomplete_details: null,
  });

  let item: JsonObject;
  let summary: string;
  if (plan.type === 'tool' && a.shellTool) {
    const callId = newId('call');
    if (a.shellTool.freeform) {
      const input = a.shellTool.codeMode ? codeModeScript(plan.command) : plan.command;
      item = { id: newId('ctc'), type: 'custom_tool_call', status: 'completed', call_id: callId, name: a.shellTool.name, input };
    } else {
      item = {
        id: newId('fc'),
        type: 'function_call',
        status: 'completed',
        call_id: callId,
        name: a.shellTool.name,
        arguments: JSON.stringify(shellArgs(a.shellTool.params, plan.command)),
      };
    }
    summary = `tool:${a.shellTool.name}`;
  } else {
    const text = plan.type === 'text' ? plan.text : 'No shell tool offered.';
    item = { id: newId('msg'), type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] };
    summary = `text:${text.slice(0, 40)}`;
  }

  if (body.stream !== true) {
    sendJson(res, 200, base('completed', [item]));
    return summary;
  }

  const w = sseWriter(res);
  let seq = 0;
  const ev = (type: string, data: JsonObject): void => w.sse(type, { type, sequence_number: seq++, ...data });
  ev('response.created', { response: base('in_progress', []) });
  ev('response.in_progress', { response: base('in_progress', []) });
  if (item.type === 'message') {
    const text = str(obj(arr(item.content)[0]).text);
    const pace = plan.type === 'text' ? plan.pace : 'fast';
    const itemId = str(item.id);
    ev('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', content: [] } });
    ev('response.content_part.added', { item_id: itemId, output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
    for (const c of chunksFor(text, pace)) {
      if (c.delayMs) await sleep(c.delayMs, signal);
      ev('response.output_text.delta', { item_id: itemId, output_index: 0, content_index: 0, delta: c.delta, logprobs: [] });
    }
    ev('response.output_text.done', { item_id: itemId, output_index: 0, content_index: 0, text, logprobs: [] });
    ev('response.content_part.done', { item_id: itemId, output_index: 0, content_index: 0, part: { type: 'output_text', text, annotations: [] } });
  } else {
    ev('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress' } });
  }
  ev('response.output_item.done', { output_index: 0, item });
  ev('response.completed', { response: base('completed', [item]) });
  w.end();
  return summary;
}

// ---------------------------------------------------------------------------------------------
// Gemini

async function answerGemini(
  body: JsonObject,
  a: Analysis,
  aux: boolean,
  method: string,
  sse: boolean,
  res: http.ServerResponse,
  signal: AbortSignal,
): Promise<string> {
  const plan: Plan = aux
    ? { type: 'text', text: a.responseSchema ? JSON.stringify(valueFromSchema(a.responseSchema)) : 'OK', pace: 'fast' }
    : planFor(a.lastUserText, a.hasToolResult, a.toolCommand);
  const usageMetadata = { promptTokenCount: 12, candidatesTokenCount: 4, totalTokenCount: 16 };
  const chunk = (parts: JsonObject[], finish: boolean): JsonObject => ({
    candidates: [{ content: { role: 'model', parts }, index: 0, ...(finish ? { finishReason: 'STOP' } : {}) }],
    usageMetadata,
    modelVersion: 'gemini-test',
    responseId: respIdGemini,
  });
  const respIdGemini = newId('g');
  let summary: string;
  const frames: { parts: JsonObject[]; delayMs: number; finish: boolean }[] = [];
  if (plan.type === 'tool' && a.shellTool) {
    frames.push({
      parts: [{ functionCall: { id: newId('fc'), name: a.shellTool.name, args: shellArgs(a.shellTool.params, plan.command) } }],
      delayMs: 0,
      finish: true,
    });
    summary = `tool:${a.shellTool.name}`;
  } else {
    const text = plan.type === 'text' ? plan.text : 'No shell tool offered.';
    const pieces = chunksFor(text, plan.type === 'text' ? plan.pace : 'fast');
    pieces.forEach((p, i) => frames.push({ parts: [{ text: p.delta }], delayMs: p.delayMs, finish: i === pieces.length - 1 }));
    summary = `text:${text.slice(0, 40)}`;
  }

  if (method === 'generateContent') {
    const parts: JsonObject[] = [];
    for (const f of frames) parts.push(...f.parts);
    const merged = parts.every((p) => typeof p.text === 'string') ? [{ text: parts.map((p) => str(p.text)).join('') }] : parts;
    sendJson(res, 200, chunk(merged, true));
    return summary;
  }
  if (!sse) {
    // streamGenerateContent without alt=sse answers with one JSON array of chunks.
    sendJson(res, 200, frames.map((f) => chunk(f.parts, f.finish)));
    return summary;
  }
  const w = sseWriter(res);
  for (const f of frames) {
    if (f.delayMs) await sleep(f.delayMs, signal);
    w.sse(null, chunk(f.parts, f.finish));
  }
  w.end();
  return summary;
}

// ---------------------------------------------------------------------------------------------
// Codex device-code issuer

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

function fakeJwt(claims: JsonObject): string {
  return `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}.${b64url('sig')}`;
}

function issuerTokens(): JsonObject {
  const now = Math.floor(Date.now() / 1000);
  const auth = {
    chatgpt_plan_type: 'plus',
    chatgpt_user_id: 'user-test',
    chatgpt_account_id: 'acct-test',
    user_id: 'user-test',
  };
  const claims: JsonObject = {
    iss: 'http://127.0.0.1',
    aud: ['app_EMoamEEZ73f0CkXaXp7hrann'],
    sub: 'user-test',
    email: 'tester@example.com',
    email_verified: true,
    iat: now,
    exp: now + 3600,
    'https://api.openai.com/auth': auth,
    'https://api.openai.com/profile': { email: 'tester@example.com', email_verified: true },
  };
  return {
    id_token: fakeJwt(claims),
    access_token: fakeJwt({ ...claims, scp: ['openid', 'profile', 'email', 'offline_access'] }),
    refresh_token: 'rt_test_refresh_token',
    expires_in: 3600,
    token_type: 'Bearer',
  };
}

// ---------------------------------------------------------------------------------------------
// Server

function classify(req: http.IncomingMessage, path: string): ApiKind {
  if (path.includes('/deviceauth/') || path.startsWith('/oauth/') || path.startsWith('/codex/')) return 'other';
  if (/^\/v1(beta|alpha)?\/models\/[^/]+:/.test(path) || path.startsWith('/v1beta') || req.headers['x-goog-api-key']) return 'gemini';
  if (path.startsWith('/v1/messages') || req.headers['anthropic-version'] || req.headers['x-api-key']) return 'anthropic';
  if (path.startsWith('/v1/')) return 'openai';
  return 'other';
}

export function startModelServer(opts: ModelServerOptions = {}): Promise<ModelServer> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const abort = new AbortController();
  const device = {
    userCode: opts.deviceUserCode ?? 'ABCD-EFGH',
    approved: false,
    polls: 0,
    firstRequestAt: 0,
    approve(): void {
      device.approved = true;
    },
  };
  const deviceAuthId = newId('deviceauth');
  let approveTimer: NodeJS.Timeout | undefined;

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const urlObj = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = urlObj.pathname;
    const method = req.method ?? 'GET';
    let body: unknown = raw;
    const ctype = String(req.headers['content-type'] ?? '');
    if (raw && ctype.includes('json')) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    } else if (raw && ctype.includes('x-www-form-urlencoded')) {
      body = Object.fromEntries(new URLSearchParams(raw));
    } else if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    const api = classify(req, path);
    const rec: RecordedRequest = { api, method, path: req.url ?? path, body, lastUserText: '', kind: 'other', reply: '', time: Date.now() };
    requests.push(rec);
    const b = obj(body);

    try {
      // --- Codex device-code issuer -------------------------------------------------------
      if (path.endsWith('/deviceauth/usercode')) {
        rec.kind = 'auth';
        if (!device.firstRequestAt) {
          device.firstRequestAt = Date.now();
          if (opts.deviceApproveAfterMs != null) approveTimer = setTimeout(() => device.approve(), opts.deviceApproveAfterMs);
        }
        rec.reply = `usercode:${device.userCode}`;
        return sendJson(res, 200, { device_auth_id: deviceAuthId, user_code: device.userCode, interval: '1', expires_in: 900 });
      }
      if (path.endsWith('/deviceauth/token')) {
        rec.kind = 'auth';
        device.polls++;
        if (!device.approved) {
          rec.reply = 'pending';
          // Codex treats 403/404 as "authorization pending" and keeps polling.
          return sendJson(res, 403, { error: 'authorization_pending' });
        }
        rec.reply = 'authorization_code';
        return sendJson(res, 200, {
          authorization_code: 'authcode-test',
          code_challenge: 'challenge-test',
          code_verifier: 'verifier-test-verifier-test-verifier-test-0123456789',
        });
      }
      if (path === '/oauth/token') {
        rec.kind = 'auth';
        const grant = str(b.grant_type);
        if (grant.includes('token-exchange')) {
          rec.reply = 'api-key';
          return sendJson(res, 200, { access_token: 'sk-test-exchanged-api-key', issued_token_type: 'urn:ietf:params:oauth:token-type:access_token', token_type: 'Bearer' });
        }
        rec.reply = `tokens:${grant}`;
        return sendJson(res, 200, issuerTokens());
      }
      if (path.startsWith('/codex/device') || path === '/deviceauth/callback') {
        rec.kind = 'auth';
        res.writeHead(200, { 'content-type': 'text/html' });
        return void res.end(`<html><body>Enter code ${device.userCode}</body></html>`);
      }

      // --- Anthropic ------------------------------------------------------------------------
      if (api === 'anthropic' && path.startsWith('/v1/messages/count_tokens')) {
        rec.kind = 'count_tokens';
        rec.reply = 'count';
        return sendJson(res, 200, { input_tokens: Math.max(1, Math.ceil(raw.length / 4)) });
      }
      if (api === 'anthropic' && path === '/v1/messages' && method === 'POST') {
        const a = { ...analyzeAnthropic(b), toolCommand: opts.toolCommand };
        const aux = !a.shellTool;
        rec.lastUserText = a.lastUserText;
        rec.kind = aux ? 'aux' : a.hasToolResult ? 'tool_result' : 'turn';
        rec.reply = await answerAnthropic(b, a, aux, res, abort.signal);
        return;
      }
      if (api === 'anthropic' && path.startsWith('/v1/models')) {
        rec.kind = 'models';
        return sendJson(res, 200, {
          data: [{ type: 'model', id: 'claude-sonnet-4-5', display_name: 'Claude Sonnet 4.5', created_at: '2025-09-29T00:00:00Z' }],
          has_more: false,
          first_id: 'claude-sonnet-4-5',
          last_id: 'claude-sonnet-4-5',
        });
      }

      // --- OpenAI ---------------------------------------------------------------------------
      if (api === 'openai' && path === '/v1/responses' && method === 'POST') {
        const a = { ...analyzeOpenAI(b), toolCommand: opts.toolCommand };
        // Codex's title request still lists the tools but asks for a JSON schema answer.
        const aux = !a.shellTool || a.responseSchema !== undefined;
        rec.lastUserText = a.lastUserText;
        rec.kind = aux ? 'aux' : a.hasToolResult ? 'tool_result' : 'turn';
        rec.reply = await answerOpenAI(b, a, aux, res, abort.signal);
        return;
      }
      if (api === 'openai' && path.startsWith('/v1/models')) {
        rec.kind = 'models';
        return sendJson(res, 200, { object: 'list', data: [], models: [] });
      }

      // --- Gemini ---------------------------------------------------------------------------
      const gm = /^\/v1(?:beta|alpha)?\/(?:models|tunedModels)\/([^/:]+):(\w+)$/.exec(path);
      if (gm) {
        const gmethod = gm[2];
        if (gmethod === 'countTokens') {
          rec.kind = 'count_tokens';
          rec.reply = 'count';
          return sendJson(res, 200, { totalTokens: Math.max(1, Math.ceil(raw.length / 4)) });
        }
        if (gmethod === 'embedContent' || gmethod === 'batchEmbedContents') {
          rec.kind = 'aux';
          const n = gmethod === 'embedContent' ? 1 : arr(b.requests).length;
          const emb = { values: new Array(8).fill(0.1) };
          return sendJson(res, 200, gmethod === 'embedContent' ? { embedding: emb } : { embeddings: new Array(n).fill(emb) });
        }
        if (gmethod === 'generateContent' || gmethod === 'streamGenerateContent') {
          const a = { ...analyzeGemini(b), toolCommand: opts.toolCommand };
          const aux = !a.shellTool || a.responseSchema !== undefined;
          rec.lastUserText = a.lastUserText;
          rec.kind = aux ? 'aux' : a.hasToolResult ? 'tool_result' : 'turn';
          rec.reply = await answerGemini(b, a, aux, gmethod, urlObj.searchParams.get('alt') === 'sse', res, abort.signal);
          return;
        }
      }
      if (api === 'gemini' && /^\/v1(beta)?\/models\/?$/.test(path)) {
        rec.kind = 'models';
        return sendJson(res, 200, { models: [{ name: 'models/gemini-2.5-pro', displayName: 'Gemini 2.5 Pro' }] });
      }

      // Unknown endpoints get an empty success: a 404 would make some CLIs treat the server as broken.
      rec.reply = 'empty-200';
      return sendJson(res, 200, {});
    } catch (err) {
      rec.reply = `error:${(err as Error).message}`;
      if (!res.headersSent) sendJson(res, 500, { error: { message: (err as Error).message } });
      else if (!res.destroyed) res.destroy();
    } finally {
      if (opts.verbose) process.stderr.write(`[model-server] ${method} ${rec.path} ${rec.kind} ${JSON.stringify(rec.lastUserText).slice(0, 60)} -> ${rec.reply.slice(0, 60)}\n`);
    }
  };

  const server = http.createServer((req, res) => {
    void handle(req, res);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        requests,
        deviceAuth: {
          get userCode() {
            return device.userCode;
          },
          get approved() {
            return device.approved;
          },
          get polls() {
            return device.polls;
          },
          approve: () => device.approve(),
        },
        close: () =>
          new Promise<void>((res) => {
            abort.abort();
            if (approveTimer) clearTimeout(approveTimer);
            server.close(() => res());
            // Keep-alive sockets would otherwise keep close() pending until the clients hang up.
            server.closeAllConnections();
            for (const s of sockets) s.destroy();
          }),
      });
    });
  });
}
