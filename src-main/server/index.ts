/** The HTTP + WebSocket API server (Electron-free): started by the desktop app and by `raven-runtime start`. */
export {
  createServerParts,
  ServerStartError,
  shutdownRuntime,
  startServer,
  type RunningServer,
  type ServerOptions,
  type ServerParts,
  type ServerStartErrorCode,
} from './server';
export { API_MOUNTS } from './app';
export { isLoopbackHost } from './security';
