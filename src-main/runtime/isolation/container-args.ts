import * as path from 'node:path';
import type { IsolationLimits } from '../../../src-shared/isolation';

/**
 * The `docker run` / `podman run` argv for one agent (both engines take the same flags here).
 * Values of the agent's variables never appear on the command line (`-e NAME` copies the client's
 * value), so API keys do not show in `ps`. docs/isolation-limits.md explains each flag.
 */

export type ContainerEngine = 'docker' | 'podman';

/** Where the private home is inside the container. */
export const CONTAINER_HOME = '/home/raven';

/**
 * Host variables that describe the host, not the agent: inside they would be wrong (PATH points at
 * host folders, HOME at a home that is not mounted) or leak host sockets.
 */
const HOST_ONLY_VARIABLES = new Set([
  'PATH', 'HOME', 'PWD', 'OLDPWD', 'SHLVL', 'TMPDIR', 'USER', 'LOGNAME', 'SHELL', '_', 'MAIL',
  'DISPLAY', 'WAYLAND_DISPLAY', 'SSH_AUTH_SOCK', 'DBUS_SESSION_BUS_ADDRESS', 'XDG_RUNTIME_DIR',
  'DOCKER_HOST', 'CONTAINER_HOST',
]);

export interface ContainerRunSpec {
  /** Flags before `run` (e.g. podman's `--runtime runc --cgroup-manager cgroupfs`). */
  engineArgs: string[];
  /** Extra flags after `run`, from the runtime's configuration (e.g. `--ulimit nofile=1024:1024`). */
  runArgs: string[];
  name: string;
  image: string;
  workdir: string;
  /** Host folder mounted as the container's HOME. */
  homeDir: string;
  env: Record<string, string>;
  network: 'none' | 'full';
  limits: IsolationLimits;
  writable: string[];
  readOnly: string[];
  /** The user the agent runs as inside (the runtime's own uid:gid, so files it writes stay the user's). */
  user?: { uid: number; gid: number };
  /**
   * Rootless podman maps the host user to root inside and every other uid to a subordinate range,
   * so `--user <uid>` alone could not write the workdir: `--userns keep-id` maps the user to itself.
   */
  keepUserNamespace?: boolean;
  program: string;
  args: string[];
}

/** Why a host path cannot be bind-mounted with `-v src:dst[:ro]`, or undefined when it can. */
export function unmountablePath(hostPath: string): string | undefined {
  if (!path.isAbsolute(hostPath)) return `${JSON.stringify(hostPath)} is not absolute`;
  if (/[:,\n\r\0]/.test(hostPath)) return `${JSON.stringify(hostPath)} holds ':', ',' or a line break, which a volume flag cannot carry`;
  return undefined;
}

/** Names of the variables passed into the container. */
export function passedVariables(env: Record<string, string>): string[] {
  return Object.keys(env)
    .filter((name) => !HOST_ONLY_VARIABLES.has(name) && /^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    .sort();
}

/** CPU percent of one core as `--cpus` (two decimals: the engines accept fractions of a core). */
export function cpusFlag(cpuPercent: number): string {
  return String(Math.max(0.01, Math.round(cpuPercent) / 100));
}

export function containerRunArgs(spec: ContainerRunSpec): string[] {
  const argv = [...spec.engineArgs, 'run', '--rm', '-i', '-t', '--init', '--name', spec.name, '--label', 'raven.agent=1'];
  argv.push('-w', spec.workdir, '-v', `${spec.workdir}:${spec.workdir}`);
  argv.push('-v', `${spec.homeDir}:${CONTAINER_HOME}`, '-e', `HOME=${CONTAINER_HOME}`);
  for (const dir of spec.writable) argv.push('-v', `${dir}:${dir}`);
  for (const dir of spec.readOnly) argv.push('-v', `${dir}:${dir}:ro`);
  for (const name of passedVariables(spec.env)) argv.push('-e', name);
  // `none`: only loopback. `full`: the engine's default network (docker's bridge, podman's netavark/slirp).
  if (spec.network === 'none') argv.push('--network', 'none');
  const { memoryMb, cpuPercent, maxProcesses } = spec.limits;
  // Same value for memory+swap: no swap on top of the memory limit.
  if (memoryMb !== undefined) argv.push('--memory', `${memoryMb}m`, '--memory-swap', `${memoryMb}m`);
  if (cpuPercent !== undefined) argv.push('--cpus', cpusFlag(cpuPercent));
  if (maxProcesses !== undefined) argv.push('--pids-limit', String(maxProcesses));
  argv.push('--cap-drop', 'ALL', '--security-opt', 'no-new-privileges');
  if (spec.keepUserNamespace) argv.push('--userns', 'keep-id');
  if (spec.user) argv.push('--user', `${spec.user.uid}:${spec.user.gid}`);
  argv.push(...spec.runArgs);
  argv.push(spec.image, spec.program, ...spec.args);
  return argv;
}
