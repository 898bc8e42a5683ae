/**
 * Main -> page events of the browser shell as Server-Sent Events: every open tab has one stream, and every event
 * goes to all of them (several tabs see the same jobs). Implements the dispatcher's EventSink.
 */
import type { ServerResponse } from 'node:http';
import type { EventChannel, EventContract } from '../../src-shared/contract';
import type { EventSink } from '../ipc/dispatcher';

/** A comment line this often keeps proxies and idle timers from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

export class EventStreams implements EventSink {
  private readonly clients = new Set<ServerResponse>();
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setInterval(() => this.write(': keepalive\n\n'), KEEPALIVE_MS);
    this.timer.unref();
  }

  /** Turns `res` into an event stream until the page goes away. */
  attach(res: ServerResponse, headers: Record<string, string>): void {
    res.writeHead(200, { ...headers, 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
    res.write('retry: 2000\n\n');
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
  }

  emit<E extends EventChannel>(event: E, payload: EventContract[E]): void {
    this.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`);
  }

  get size(): number {
    return this.clients.size;
  }

  close(): void {
    clearInterval(this.timer);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private write(chunk: string): void {
    for (const res of this.clients) res.write(chunk);
  }
}
