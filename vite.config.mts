import { defineConfig } from 'vite';

/**
 * The UI bundle: plain TypeScript + xterm.js, built into dist/renderer and served by the runtime's
 * own server at `/` (both in the desktop app and headless). `base: './'` keeps asset URLs relative,
 * so the same build works at any mount point.
 */
export default defineConfig({
  root: 'src-renderer',
  base: './',
  publicDir: false,
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    // The server's CSP allows only 'self' scripts; the polyfill would be an extra module for
    // browsers that all support modulepreload already.
    modulePreload: { polyfill: false },
    sourcemap: true,
    chunkSizeWarningLimit: 600,
  },
  server: { port: 5173, strictPort: false },
});
