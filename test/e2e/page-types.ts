/**
 * Types for code that runs INSIDE the page (page.evaluate and addInitScript callbacks). The node typecheck has no
 * DOM lib, so page functions cast `globalThis` to this (a type-only cast: nothing of it reaches the browser).
 */
import type { BridgeApi } from '../../src-shared/contract';

export interface CspViolationEvent {
  violatedDirective: string;
  blockedURI: string;
  sourceFile: string;
  lineNumber: number;
}

export interface PageWindow {
  /** The bridge the Electron preload installs (absent in the browser shell). */
  mtcgcnn?: BridgeApi;
  __e2eReportProblem?(message: string): void;
  localStorage: { getItem(key: string): string | null };
  document: {
    body: object;
    querySelector(selector: string): object | null;
    addEventListener(type: 'securitypolicyviolation', listener: (e: CspViolationEvent) => void): void;
  };
  getComputedStyle(element: object): { backgroundColor: string; color: string };
  setTimeout(fn: () => void, ms?: number): unknown;
}
