import { parentPort } from 'node:worker_threads';
import { castFileHandler, type WorkerReply, type WorkerRequest } from './cast-file';

/**
 * Entry of the transcript worker thread (started by transcript.ts). The desktop build emits it as
 * transcript-worker.js next to the bundle; from source it is loaded through tsx.
 */

const port = parentPort;
if (!port) throw new Error('transcript-worker runs as a worker thread; transcript.ts starts it');

const handle = castFileHandler();
const reply = (message: WorkerReply) => port.postMessage(message);
port.on('message', (message: WorkerRequest) => {
  if (message.op === 'drain') reply({ drained: message.seq });
  else handle(message);
});
reply({ ready: true });
