// What the UI exposes for tests (see src-renderer/env.d.ts): terminal contents as text.
declare global {
  interface Window {
    ravenDiagnostics?: {
      terminalLines(agentId: string): string[] | undefined;
      terminalSize(agentId: string): { cols: number; rows: number } | undefined;
      transcriptLines(): string[] | undefined;
    };
  }
}

export {};
