/**
 * Who may talk to the studio server, Jupyter-style: a random 256-bit token (in the printed URL once, then an
 * HttpOnly SameSite=Strict cookie), the Host header (DNS rebinding) and the Origin header (cross-site pages).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** A fresh 256-bit token, hex. */
export function newToken(): string {
  return randomBytes(32).toString('hex');
}

/** Cookies are shared by every port of a host: the name carries the port so two studios do not clash. */
export function cookieName(port: number): string {
  return `mtcgcnn-studio-${port}`;
}

export function sessionCookie(port: number, token: string): string {
  return `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

/** Constant-time comparison of a presented token with the server's. */
export function tokenMatches(presented: string | undefined | null, token: string): boolean {
  if (!presented) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function cookieToken(req: IncomingMessage, port: number): string | undefined {
  const name = cookieName(port);
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The Host header values a loopback server answers to: 127.0.0.1, localhost and [::1] with its port. */
export function loopbackHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
}

export interface AccessPolicy {
  port: number;
  token: string;
  /** Accepted Host headers; null accepts any (only with --allow-remote). */
  hosts: string[] | null;
}

/** The origin a page of this server has, from the request's (already checked) Host header. */
export function servedOrigin(req: IncomingMessage): string {
  return `http://${req.headers.host ?? ''}`;
}

export function hostAllowed(req: IncomingMessage, policy: AccessPolicy): boolean {
  const host = req.headers.host;
  if (!host) return false;
  return policy.hosts === null || policy.hosts.includes(host.toLowerCase());
}

/**
 * A request from a page of this server: an Origin header, when present, must be this server's; a
 * Sec-Fetch-Site header, when present, must say same-origin (or none: the user typed the URL).
 * `requireOrigin`: the header must be there (browsers send it with every POST).
 */
export function originAllowed(req: IncomingMessage, requireOrigin: boolean): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) {
    if (requireOrigin) return false;
  } else if (origin !== servedOrigin(req)) return false;
  const site = req.headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin' || site === 'none';
}
