import * as path from 'node:path';
import { isWithin } from './policy';
import type { LaunchSpec, ResolvedIsolation } from './types';

/**
 * The bubblewrap command line for one sandboxed agent (docs/isolation.md "How the sandbox is
 * built"). Pure: every path it needs is given, so the bind order can be tested without a kernel.
 *
 * The mounts are applied in argument order and a later mount covers an earlier one on the same
 * path, so the order is the policy:
 *   1. the whole system read-only (`--ro-bind / /`), fresh /dev and /proc;
 *   2. the hidden roots emptied: a private /tmp, the runtime's data folder, the user's session
 *      sockets folder, the real home (shallowest first, so a deeper one is not covered again);
 *   3. the agent's private home on the HOME path;
 *   4. read-only re-binds of what the program needs that lies under a hidden root (its package,
 *      the Node its shebang finds, the runtime's own files) and the policy's `readOnly`;
 *   5. the writable binds: the workdir, then the policy's `writable` (these win over 4).
 */

export interface BwrapInputs {
  policy: ResolvedIsolation;
  /** The program as it would run without a sandbox (its executable already made reachable inside). */
  launch: LaunchSpec;
  /** `<stateDir>/home` on the host. */
  privateHome: string;
  /** Where the agent's HOME is (its env HOME; the private home is mounted there). */
  homePath: string;
  /** Folders to empty besides /tmp and the home (the runtime's data folder, $XDG_RUNTIME_DIR). */
  hiddenRoots: string[];
  /** Read-only re-binds for the program itself: package folder, interpreter prefix, runtime paths. */
  programPaths: string[];
}

export interface BwrapCommand {
  /** Arguments to `bwrap`, ending with `--`, the executable and its arguments. */
  args: string[];
  env: Record<string, string>;
}

const PRIVATE_TMP = '/tmp';

/** Shallowest first, and without entries already inside an earlier one (their tmpfs would be redundant). */
function outermost(paths: readonly string[]): string[] {
  const sorted = [...new Set(paths.map((p) => path.resolve(p)))].sort((a, b) => depth(a) - depth(b) || a.localeCompare(b));
  const kept: string[] = [];
  for (const candidate of sorted) if (!kept.some((outer) => isWithin(candidate, outer))) kept.push(candidate);
  return kept;
}

function depth(p: string): number {
  return p.split(path.sep).filter(Boolean).length;
}

/** Shallowest first, so a bind of a folder never covers a deeper bind made for a reason. */
function byDepth(paths: readonly string[]): string[] {
  return [...new Set(paths.map((p) => path.resolve(p)))].sort((a, b) => depth(a) - depth(b) || a.localeCompare(b));
}

export function buildBwrapCommand(input: BwrapInputs): BwrapCommand {
  const { policy, launch } = input;
  const args: string[] = [
    // The sandbox never outlives the runtime, even if the runtime is SIGKILLed.
    '--die-with-parent',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
  ];
  if (policy.network !== 'full') args.push('--unshare-net');
  // No `--new-session`, on purpose: it makes the program lose its controlling terminal, so shells
  // have no job control, /dev/tty fails with ENXIO, SIGWINCH never arrives after a resize (TUIs do
  // not reflow) and Ctrl-C kills the whole sandbox. `--new-session` exists against TIOCSTI: a
  // sandboxed process pushing keystrokes into the terminal of whoever reads it after the sandbox
  // ends. Here every agent has a PTY of its own that nothing else reads from, so injected input can
  // only reach that same agent (docs/isolation.md "TIOCSTI").
  //
  // Every capability is dropped: when the runtime runs as root, a sandboxed root that kept
  // CAP_SYS_ADMIN could remount `/` writable. The cost is that a root runtime's agents cannot nest
  // their own bubblewrap (docs/isolation.md "Nested sandboxes").
  args.push('--cap-drop', 'ALL');
  args.push('--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc');

  const homePath = path.resolve(input.homePath);
  for (const root of outermost([PRIVATE_TMP, ...input.hiddenRoots])) {
    // A root inside the home is covered by the private home already; a home inside a hidden root
    // is mounted on the emptied root just after (bwrap creates the mount point).
    if (!isWithin(root, homePath)) args.push('--tmpfs', root);
  }
  args.push('--bind', input.privateHome, homePath);

  for (const entry of byDepth([...input.programPaths, ...policy.readOnly])) args.push('--ro-bind-try', entry, entry);

  args.push('--bind', launch.cwd, launch.cwd);
  for (const entry of byDepth(policy.writable)) args.push('--bind-try', entry, entry);

  args.push('--chdir', launch.cwd, '--', launch.executable, ...launch.args);

  // The launch's own variables, including the session marker the stop path finds processes by.
  const env: Record<string, string> = { ...launch.env, HOME: homePath, TMPDIR: PRIVATE_TMP };
  return { args, env };
}
