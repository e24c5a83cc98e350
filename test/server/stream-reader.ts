import * as http from 'node:http';

/** Reads a streaming HTTP response (chunked text or SSE) until `done` says so, then hangs up. */
export interface StreamRead {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function readStream(
  url: string,
  options: { headers?: Record<string, string>; done: (body: string) => boolean; timeoutMs?: number; onOpen?: () => void },
): Promise<StreamRead> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    let body = '';
    const req = http.get({ host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, headers: options.headers, agent: false }, (res) => {
      const finish = () => {
        clearTimeout(timer);
        req.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      };
      options.onOpen?.();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (options.done(body)) finish();
      });
      res.on('end', finish);
      if (options.done(body)) finish();
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`stream timed out; got ${JSON.stringify(body.slice(-300))}`));
    }, options.timeoutMs ?? 10_000);
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET') reject(error);
    });
  });
}

/** The JSON payloads of the `data:` lines of an SSE body. */
export function sseMessages(body: string): unknown[] {
  const blocks = body.split('\n\n');
  blocks.pop(); // incomplete (or empty) tail
  return blocks
    .map((block) => block.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n'))
    .filter((data) => data !== '')
    .map((data) => JSON.parse(data) as unknown);
}
