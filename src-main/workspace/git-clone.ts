import { spawn } from 'node:child_process';
import { RuntimeError } from '../runtime/errors';
import type { Logger } from '../runtime/logger';
import { signalAll } from '../runtime/process/process-tree';
import { redactRepoText, type RepoUrl } from './repo-url';

/**
 * Clones a repository with the system `git` (no shell) and checks out the requested branch.
 *
 * git must never wait for a person: the runtime is a background service, and a clone stuck on a
 * password prompt would hold Raven's spawn call forever. So: no terminal prompts
 * (GIT_TERMINAL_PROMPT=0), no askpass program (an empty GIT_ASKPASS also shadows core.askPass and
 * SSH_ASKPASS), no GUI credential dialogs (GCM_INTERACTIVE=never), no stdin, and git runs in its
 * own session (`detached`), so ssh has no controlling terminal to prompt on either. Stored credentials
 * (credential helpers, ssh keys without a passphrase or in an agent) still work. Remote helpers
 * that run programs (`ext::`) are disabled on top of the URL allow-list.
 *
 * Branch: when `branch` is given and the remote has it, that branch is checked out (tracking
 * origin); when the remote lacks it, it is created locally from the remote's default HEAD. Raven
 * sends `main` by default, so a repository whose default branch is `master` still clones, and the
 * agent works on a new local `main` that starts at `master`'s tip.
 */

export interface CloneRequest {
  repo: RepoUrl;
  /** Already checked by validateBranch; absent: stay on the remote's default branch. */
  branch?: string;
  /** A missing or empty folder. */
  dest: string;
  /** For the whole clone and checkout; {@link CLONE_TIMEOUT_MS} by default. */
  timeoutMs?: number;
  /** Aborted when the runtime shuts down: git (and its helpers) are killed as on the deadline. */
  signal?: AbortSignal;
}

export interface CloneResult {
  /** The branch checked out (undefined for an empty repository without a requested branch). */
  branch?: string;
  /** True when the remote had no such branch and it was created from the default HEAD. */
  createdBranch: boolean;
}

/**
 * Raven's spawn call waits for the clone. A large repository over a home connection takes
 * minutes; five minutes is beyond any clone that is still making progress at a useful rate, and
 * below the point where Raven's caller has long since given up. After that git (and its ssh or
 * https helpers) are killed.
 */
export const CLONE_TIMEOUT_MS = 5 * 60_000;
/** git's output on a pipe is short (no progress meters); 64 Ki characters hold any error message many times over. */
const MAX_OUTPUT_CHARS = 64 * 1024;
/** Enough of git's stderr to show the cause ("Repository not found", the TLS error) without a wall of text. */
const STDERR_TAIL_CHARS = 1000;

/** git settings for every call: remote helpers that run commands stay off whatever the user's config says. */
const SAFE_CONFIG: readonly string[] = ['-c', 'protocol.ext.allow=never'];

/**
 * Variables that point git at another repository (set when the runtime itself was started from a
 * git hook or a git alias); with them a clone would write into that repository instead.
 */
const REPOSITORY_VARIABLES: readonly string[] = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR',
  'GIT_NAMESPACE',
  'GIT_PREFIX',
];

function gitEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const name of REPOSITORY_VARIABLES) delete env[name];
  // A GUI askpass (set by desktop sessions) would pop a dialog nobody answers.
  delete env.SSH_ASKPASS;
  return {
    ...env,
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '',
    SSH_ASKPASS_REQUIRE: 'never',
    GCM_INTERACTIVE: 'never',
    // Messages in one language, so the stderr tail in the API error is predictable.
    LC_ALL: 'C',
  };
}

interface GitRun {
  ok: boolean;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Killed because the runtime is shutting down. */
  aborted: boolean;
  /** git is not installed (spawn ENOENT). */
  missing: boolean;
}

/**
 * Runs `git <args>` without a shell. `spawn` rather than `execFile`: execFile drops `detached`,
 * and git must lead its own process group and session, so that the deadline kills its helpers too
 * (ssh, git-remote-https would otherwise outlive it) and ssh has no terminal to prompt on.
 */
function runGit(args: readonly string[], deadline: number, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<GitRun> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let aborted = false;
    let settled = false;
    if (signal?.aborted) {
      resolve({ ok: false, exitCode: null, missing: false, stdout, stderr, timedOut, aborted: true });
      return;
    }
    const child = spawn('git', [...SAFE_CONFIG, ...args], { env, shell: false, detached: true, windowsHide: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const finish = (run: Omit<GitRun, 'stdout' | 'stderr' | 'timedOut' | 'aborted'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve({ ...run, stdout, stderr, timedOut, aborted });
    };
    // git's PID (and group) are ours only until its exit is observed; after that the number may be
    // handed to someone else, so a late deadline or abort finishes the run instead of signalling
    // (docs/processes.md).
    let exited: { code: number | null } | undefined;
    const kill = () => {
      if (exited) finish({ ok: false, exitCode: exited.code, missing: false });
      else signalAll(child.pid, child.pid !== undefined ? [child.pid] : [], 'SIGKILL');
    };
    const onAbort = () => {
      if (settled) return;
      aborted = true;
      kill();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (stdout.length < MAX_OUTPUT_CHARS) stdout += chunk;
    });
    // Only the end of stderr is reported; keep a bounded window of it.
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-MAX_OUTPUT_CHARS);
    });
    child.on('error', (error: NodeJS.ErrnoException) => finish({ ok: false, exitCode: null, missing: error.code === 'ENOENT' }));
    child.on('close', (code) => finish({ ok: code === 0, exitCode: code, missing: false }));
    // After a kill, do not wait for pipes some escaped helper may still hold open.
    child.on('exit', (code) => {
      exited = { code };
      if (timedOut || aborted) finish({ ok: false, exitCode: code, missing: false });
    });
    const timer = setTimeout(
      () => {
        timedOut = true;
        kill();
      },
      Math.max(0, deadline - Date.now()),
    );
  });
}

function tail(text: string): string {
  const trimmed = text.trim();
  return trimmed.length > STDERR_TAIL_CHARS ? `…${trimmed.slice(-STDERR_TAIL_CHARS)}` : trimmed;
}

function duration(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}

/** The SPAWN_FAILED for a git step that did not succeed, with git's own words (credentials masked). */
function failure(request: CloneRequest, step: string, run: GitRun, timeoutMs: number): RuntimeError {
  const where = request.repo.display;
  if (run.missing) {
    return new RuntimeError('SPAWN_FAILED', `Cannot clone ${where}: git is not installed or not on the PATH.`, { field: 'config.repoUrl', repoUrl: where });
  }
  const stderr = redactRepoText(tail(run.stderr), request.repo);
  // One line for the message (Raven shows it as "Runtime returned 500: …"); details keep git's lines.
  const oneLine = stderr.replace(/\s*\n\s*/g, ' ');
  if (run.aborted) return new RuntimeError('SPAWN_FAILED', `Clone of ${where} stopped: the runtime is shutting down.`, { field: 'config.repoUrl', repoUrl: where });
  const why = run.timedOut ? `git did not finish within ${duration(timeoutMs)} and was stopped` : oneLine || `git exited with code ${String(run.exitCode)}`;
  return new RuntimeError('SPAWN_FAILED', `Could not ${step} ${where}: ${why}`, {
    field: 'config.repoUrl',
    repoUrl: where,
    ...(request.branch !== undefined ? { branch: request.branch } : {}),
    exitCode: run.exitCode,
    timedOut: run.timedOut,
    stderr,
  });
}

/**
 * Clones `request.repo` into `request.dest` and checks out the branch. Throws SPAWN_FAILED when git
 * fails; the caller removes what was cloned (git already removes its own partial clone).
 */
export async function cloneRepository(request: CloneRequest, logger: Logger, baseEnv: NodeJS.ProcessEnv = process.env): Promise<CloneResult> {
  const timeoutMs = request.timeoutMs ?? CLONE_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const env = gitEnv(baseEnv);
  const started = Date.now();
  logger.info('cloning repository', { repoUrl: request.repo.display, branch: request.branch, dest: request.dest });

  const clone = await runGit(['clone', '--quiet', '--', request.repo.url, request.dest], deadline, env, request.signal);
  if (!clone.ok) throw failure(request, 'clone', clone, timeoutMs);

  const inRepo = (...args: string[]) => runGit(['-C', request.dest, ...args], deadline, env, request.signal);
  // The default branch; fails (unborn HEAD is fine, a detached HEAD is not a branch) without harm.
  const head = await inRepo('symbolic-ref', '--quiet', '--short', 'HEAD');
  const current = head.ok ? head.stdout.trim() : undefined;
  let result: CloneResult = { branch: current, createdBranch: false };
  if (request.branch !== undefined && request.branch !== current) {
    const remoteRef = `refs/remotes/origin/${request.branch}`;
    const onRemote = (await inRepo('show-ref', '--verify', '--quiet', remoteRef)).ok;
    const checkout = onRemote
      ? await inRepo('checkout', '--quiet', '--track', '-b', request.branch, remoteRef, '--')
      : await inRepo('checkout', '--quiet', '-b', request.branch, '--');
    if (!checkout.ok) throw failure(request, `check out branch "${request.branch}" of`, checkout, timeoutMs);
    result = { branch: request.branch, createdBranch: !onRemote };
  }
  logger.info('repository cloned', { repoUrl: request.repo.display, dest: request.dest, ...result, ms: Date.now() - started });
  return result;
}
