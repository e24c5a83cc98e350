import type { IsolationContext, ResolvedIsolation } from './types';

/**
 * The seam through which a container gets the `allowlist` network: the container runs with
 * `--network none` (loopback only), and whoever owns the egress proxy supplies what bridges that
 * loopback to the agent's egress socket: the socket's folder, the bridge program (the host's Node
 * running sandbox-init), the wrapped program argv and the proxy variables. The host's Node is
 * mounted into the image, so this works only with glibc images (not Alpine/musl).
 */

export interface ContainerEgressRequest {
  policy: ResolvedIsolation;
  context: IsolationContext;
  /** The program and its arguments as the container would run them without the bridge. */
  program: string[];
  /** The agent's environment (base URLs in it are allowlisted, loopback ones forwarded). */
  env: Record<string, string>;
}

export interface ContainerEgress {
  /** Host files mounted read-only at the same paths (the Node binary, sandbox-init.cjs). */
  readOnly: string[];
  /** Host folders mounted read-write at the same paths (the agent's egress socket folder). */
  writable: string[];
  /** The argv the container runs instead of `program` (the bridge, then `--`, then the program). */
  program: string[];
  /** Variables the agent needs (HTTPS_PROXY and friends); passed like every other variable. */
  env: Record<string, string>;
  /** Hosts the agent may reach, for the handle. */
  allowedHosts: string[];
  /** Connections the proxy refused for this agent so far. */
  refusedConnections(): number;
  /** After the container is gone: the agent's proxy closed. Never throws. */
  dispose(): Promise<void>;
}

export type ContainerEgressFactory = (request: ContainerEgressRequest) => Promise<ContainerEgress>;
