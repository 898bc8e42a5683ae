/**
 * Where the backend chooser (backend.ts) says, once per process, which backend and convolution kernel path it
 * chose. Silent by default (the CLI's stdout and stderr belong to its commands); the desktop app's main process
 * sends it to its log. A wasm backend WITHOUT the SIMD kernels is in addition a warning (console.warn), so the
 * fast path never disappears silently. No imports: the Electron main process sets it before loading tfjs.
 */
let log: (msg: string) => void = () => undefined;

export function setBackendLog(fn: (msg: string) => void): void {
  log = fn;
}

export function backendLog(): (msg: string) => void {
  return log;
}
