/// <reference lib="dom" />
import type { RavenBridge } from '../src-shared/desktop';

declare global {
  interface Window {
    /** The desktop app's preload bridge; absent in a plain browser. */
    raven?: RavenBridge;
    /** Read-only diagnostics for tests and bug reports (terminal contents as text). */
    ravenDiagnostics?: RavenDiagnostics;
  }

  interface RavenDiagnostics {
    terminalLines(agentId: string): string[] | undefined;
    terminalSize(agentId: string): { cols: number; rows: number } | undefined;
    transcriptLines(): string[] | undefined;
  }
}

export {};
