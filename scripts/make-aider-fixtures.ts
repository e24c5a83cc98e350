import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Aider (Python) cannot be installed on these machines, so its fixtures are NOT recordings of a
 * live aider. They reproduce, line for line, output that aider prints, taken from:
 * - aider's own chat-history logs (`.aider.chat.history.md`), which record every tool line and
 *   prompt exactly as shown, e.g. "Allow collection of anonymous analytics to help improve aider?
 *   (Y)es/(N)o [Yes]:", "No LLM model was specified and no API keys were provided.", "Tokens: 10k
 *   sent, 549 received. Cost: $0.0034 message, $0.01 session.";
 * - aider's source (aider/onboarding.py: the OpenRouter OAuth lines and URL format; aider/io.py:
 *   `confirm_ask` renders `<question> (Y)es/(N)o[/(D)on't ask again] [Yes]: `).
 * Rendering follows aider 0.8x on a 120x40 terminal: tool output in colour, a blank line before
 * the `> ` prompt, the prompt drawn by prompt_toolkit.
 *
 * Run: npx tsx scripts/make-aider-fixtures.ts (writes test/fixtures/screens/aider/*.cast).
 */

type Event = [number, 'o' | 'i' | 'm', string];

const OUT = path.resolve(__dirname, '../test/fixtures/screens/aider');
const BLUE = '\x1b[38;2;0;136;255m';
const ORANGE = '\x1b[38;2;255;165;0m';
const RESET = '\x1b[0m';
const PROMPT = '\x1b[32m> \x1b[0m';

class Cast {
  private readonly events: Event[] = [];
  private t = 0;

  constructor(private readonly name: string) {}

  out(text: string, gap = 0.05): this {
    this.t += gap;
    this.events.push([Number(this.t.toFixed(3)), 'o', text]);
    return this;
  }

  type(text: string): this {
    this.t += 0.3;
    this.events.push([Number(this.t.toFixed(3)), 'i', text]);
    // prompt_toolkit echoes typed characters.
    return this.out(text, 0.01);
  }

  enter(): this {
    this.t += 0.2;
    this.events.push([Number(this.t.toFixed(3)), 'i', '\r']);
    return this.out('\r\n', 0.01);
  }

  mark(label: string): this {
    this.t += 0.3;
    this.events.push([Number(this.t.toFixed(3)), 'm', label]);
    return this;
  }

  save(): void {
    fs.mkdirSync(OUT, { recursive: true });
    const header = { version: 2, width: 120, height: 40, timestamp: 1795737600, env: { TERM: 'xterm-256color' }, title: `aider 0.86 (reproduced from documented output) ${this.name}` };
    const lines = [JSON.stringify(header), ...this.events.map((e) => JSON.stringify(e))];
    fs.writeFileSync(path.join(OUT, `${this.name}.cast`), `${lines.join('\n')}\n`);
  }
}

const banner = (c: Cast) =>
  c
    .out(`${BLUE}Aider v0.86.1${RESET}\r\n`)
    .out(`${BLUE}Main model: anthropic/claude-sonnet-4-20250514 with diff edit format, infinite output${RESET}\r\n`)
    .out(`${BLUE}Weak model: anthropic/claude-3-5-haiku-20241022${RESET}\r\n`)
    .out(`${BLUE}Git repo: .git with 3 files${RESET}\r\n`)
    .out(`${BLUE}Repo-map: using 4096 tokens, auto refresh${RESET}\r\n`)
    .out(`${BLUE}https://aider.chat/HISTORY.html#release-notes${RESET}\r\n`)
    .out('\r\n')
    .out(PROMPT);

// First start: the analytics opt-in (declined by the runtime), then a git question it must ask.
const first = new Cast('first-start')
  .out(`${BLUE}Aider respects your privacy and never collects your code, chat messages, keys or personal info.${RESET}\r\n`)
  .out(`${BLUE}For more info: https://aider.chat/docs/more/analytics.html${RESET}\r\n`)
  .out(`${ORANGE}Allow collection of anonymous analytics to help improve aider? (Y)es/(N)o [Yes]: ${RESET}`)
  .mark('telemetry_prompt')
  .type('n')
  .enter()
  .out(`${BLUE}Analytics have been permanently disabled.${RESET}\r\n`)
  .out(`${ORANGE}No git repo found, create one to track aider's changes (recommended)? (Y)es/(N)o [Yes]: ${RESET}`)
  .mark('question')
  .type('y')
  .enter()
  .out(`${BLUE}Git repository created in /home/dev/work${RESET}\r\n`);
banner(first).mark('ready').save();

// A message and its reply.
const hello = new Cast('hello');
banner(hello).mark('ready').type('hello').enter();
hello
  .out('\r\n', 0.4)
  .out('PONG\r\n', 0.3)
  .out('\r\n')
  .out(`${BLUE}Tokens: 2.3k sent, 4 received. Cost: $0.0070 message, $0.0070 session.${RESET}\r\n`)
  .out('\r\n')
  .out(PROMPT)
  .mark('reply_done')
  .save();

// A file the model wants to edit: a permission question with three answers.
const addFile = new Cast('add-file');
banner(addFile).mark('ready').type('add a test for the parser').enter();
addFile
  .out('\r\n', 0.4)
  .out('I need to edit parser_test.py to add the test.\r\n', 0.5)
  .out('\r\n')
  .out(`${BLUE}parser_test.py${RESET}\r\n`)
  .out(`${ORANGE}Add file to the chat? (Y)es/(N)o/(D)on't ask again [Yes]: ${RESET}`)
  .mark('question')
  .save();

// No key at all: the OpenRouter offer, then its browser URL (aider/onboarding.py).
const challenge = 'B3kX9vQ2mZr7LtW5yN1cH8pJ4sD6fG0aE2uI9oK7qTw';
const noKey = new Cast('no-credentials')
  .out(`${ORANGE}No LLM model was specified and no API keys were provided.${RESET}\r\n`)
  .out(`${BLUE}OpenRouter provides free and paid access to many LLMs.${RESET}\r\n`)
  .out(`${ORANGE}Login to OpenRouter or create a free account? (Y)es/(N)o [Yes]: ${RESET}`)
  .mark('login')
  .type('y')
  .enter()
  .out(`${BLUE}\r\nPlease open this URL in your browser to connect Aider with OpenRouter:${RESET}\r\n`)
  .out('\r\n')
  .out(`https://openrouter.ai/auth?callback_url=http://localhost:8484/callback/aider&code_challenge=${challenge}&code_challenge_method=S256\r\n`)
  .out(`${BLUE}\r\nWaiting up to 5 minutes for you to finish in the browser...${RESET}\r\n`)
  .out(`${BLUE}Use Control-C to interrupt.${RESET}\r\n`)
  .mark('login_url');
noKey.save();

process.stdout.write(`wrote 4 fixtures to ${OUT}\n`);
