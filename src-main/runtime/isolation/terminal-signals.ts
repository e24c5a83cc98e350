/**
 * How a sandbox must be started in a PTY so Ctrl-C reaches the agent and not the sandbox
 * (docs/isolation-network.md "Signals in the terminal").
 *
 * The PTY's foreground process group holds bwrap's own processes as well as the agent (bwrap runs
 * without `--new-session`, so job control, /dev/tty and SIGWINCH keep working). A Ctrl-C in cooked
 * mode sends SIGINT to the whole group, and bwrap has no handler for it: it dies, and with
 * `--die-with-parent` the agent dies too. Measured: a program that traps SIGINT still lost its
 * sandbox (the PTY reported signal 2 instead of the program's exit 7).
 *
 * So the sandbox is started through `sh`, which sets the terminal's job signals to *ignored* and
 * execs bwrap: an ignored disposition survives exec, so bwrap and sandbox-init.cjs inherit it,
 * while the agent's program starts with the defaults again (Node's spawn resets every signal in the
 * child before exec). SIGTERM and SIGHUP are untouched: stopping the agent and closing the PTY end
 * the sandbox as before.
 */
export const TERMINAL_SIGNALS_IGNORED = ['INT', 'QUIT', 'TSTP', 'TTIN', 'TTOU'] as const;

/** argv to put in front of `bwrap …` (the program the PTY starts). */
export function ignoreTerminalSignalsPrefix(): string[] {
  return ['/bin/sh', '-c', `trap '' ${TERMINAL_SIGNALS_IGNORED.join(' ')}; exec "$@"`, 'sh'];
}
