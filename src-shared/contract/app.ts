/** App-wide channels: runtime facts, the round-trip check, external links and the native file dialogs. */
import { absPath, call, displayName, extensionList, IpcArgumentError, noArgs, onlyKeys, record, singleKey, str, type Guard } from './guards';


export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export interface BackendSummary {
  /** tfjs backend in use. */
  name: BackendName;
  /** Human description, e.g. "WebAssembly (SIMD, 1 thread)". */
  description: string;
  /** Why a faster backend was not used, if it was not. */
  fallbackReason?: string;
  /** How to get the GPU backend on this machine. */
  howToGetGpu: string;
}

export interface AppInfo {
  appVersion: string;
  /** Versions of the runtime pieces (node, tfjs, electron when present). */
  versions: Record<string, string>;
  backend: BackendSummary;
  /** Logical CPU cores seen by the main process. */
  cpuCount: number;
  /** Data-parallel training threads a run uses unless its settings say otherwise (physical cores - 1, at most 7). */
  trainingWorkers: number;
  /** Where the user's projects live by default. */
  projectsDir: string;
}

export interface ChooseFolderRequest {
  title: string;
  defaultPath?: string;
}

export interface ChooseFileRequest {
  title: string;
  defaultPath?: string;
  /** File name extensions without the dot, e.g. ['csv']. */
  extensions: string[];
}

export interface ChooseSaveFileRequest {
  title: string;
  defaultPath?: string;
  extensions: string[];
}


const chooseFolderGuard: Guard<ChooseFolderRequest> = (v) => {
  const o = record(v, 'argument');
  onlyKeys(o, ['title', 'defaultPath'], 'argument');
  return { title: displayName(o.title, 'title'), ...(o.defaultPath !== undefined ? { defaultPath: absPath(o.defaultPath, 'defaultPath') } : {}) };
};

const chooseFileGuard: Guard<ChooseFileRequest> = (v) => {
  const o = record(v, 'argument');
  onlyKeys(o, ['title', 'defaultPath', 'extensions'], 'argument');
  const extensions = extensionList(o.extensions);
  return {
    title: displayName(o.title, 'title'),
    ...(o.defaultPath !== undefined ? { defaultPath: absPath(o.defaultPath, 'defaultPath') } : {}),
    extensions,
  };
};


const chooseSaveFileGuard: Guard<ChooseSaveFileRequest> = (v) => {
  const o = record(v, 'argument');
  onlyKeys(o, ['title', 'defaultPath', 'extensions'], 'argument');
  const extensions = extensionList(o.extensions);
  return { title: displayName(o.title, 'title'), ...(o.defaultPath !== undefined ? { defaultPath: absPath(o.defaultPath, 'defaultPath') } : {}), extensions };
};


const echoGuard = singleKey('text', (v, what) => str(v, what, { allowEmpty: true, maxLength: 10_000 }));

const urlGuard: Guard<{ url: string }> = (v) => {
  const o = record(v, 'argument');
  onlyKeys(o, ['url'], 'argument');
  const url = str(o.url, 'url', { maxLength: 2048 });
  if (!/^https:\/\//.test(url)) throw new IpcArgumentError('only https:// links can be opened');
  return { url };
};

export const appChannels = {
  /** App, runtime and compute backend facts. */
  'app:info': call<void, AppInfo>(noArgs),
  /** Round-trip check used by the shell (returns the text and when main saw it). */
  'app:echo': call<{ text: string }, { text: string; receivedAtIso: string }>(echoGuard),
  /** Open an https link in the system browser. */
  'app:open-external': call<{ url: string }, void>(urlGuard),
  /** Native folder dialog (the harness answers it in tests); null when the user cancelled. */
  'app:choose-folder': call<ChooseFolderRequest, { path: string | null }>(chooseFolderGuard),
  /** Native file dialog limited to the given extensions; null when the user cancelled. */
  'app:choose-file': call<ChooseFileRequest, { path: string | null }>(chooseFileGuard),
  /** Native save dialog limited to the given extensions; null when the user cancelled. */
  'app:choose-save-file': call<ChooseSaveFileRequest, { path: string | null }>(chooseSaveFileGuard),
} as const;

/** A log line main shows the user (the `app:log` event). */
export interface AppLogEvent {
  level: 'info' | 'warn' | 'error';
  message: string;
  timeIso: string;
}
