/** Helpers for the service tests: a service on simulators in a temp folder, REST calls, a WebSocket recorder. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { DEFAULT_ALERTS, type ServiceConfig } from '../../src/service/config.js';
import type { DeviceKind } from '../../src/service/devices/types.js';
import { serve, type RunningService } from '../../src/service/serve.js';

export function tempData(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'kioskbus-serve-'));
  return {
    dir,
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function configOf(devices: [string, DeviceKind][]): ServiceConfig {
  return {
    kiosk: 'test',
    currency: 'EUR',
    devices: devices.map(([id, kind]) => ({ id, kind, port: 'simulated', alerts: DEFAULT_ALERTS })),
  };
}

export async function startService(dataDir: string, config: ServiceConfig): Promise<RunningService> {
  const running = await serve({ config, dataDir, port: 0, fastSimulators: true });
  await running.started;
  return running;
}

export interface Reply {
  status: number;
  body: Record<string, unknown>;
}

export async function call(
  running: { url: string; token: string },
  method: string,
  path: string,
  body?: unknown,
  token: string | null = running.token,
): Promise<Reply> {
  const res = await fetch(`${running.url}${path}`, {
    method,
    headers: {
      ...(token !== null ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export type Message = Record<string, unknown> & { type: string };

/** A WebSocket client that records every message and can wait for one. */
export class Recorder {
  readonly messages: Message[] = [];
  closeCode: number | undefined;
  private waiters: { test: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];
  private closeWaiters: ((code: number) => void)[] = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as Message;
      this.messages.push(message);
      this.waiters = this.waiters.filter((w) => {
        if (!w.test(message)) return true;
        w.resolve(message);
        return false;
      });
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      for (const w of this.closeWaiters) w(code);
    });
  }

  static open(url: string, token?: string): Promise<Recorder> {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, {
      ...(token !== undefined ? { headers: { authorization: `Bearer ${token}` } } : {}),
    });
    const recorder = new Recorder(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => {
        resolve(recorder);
      });
      ws.once('error', reject);
    });
  }

  /** The first message (recorded or to come) that passes `test`. */
  next(test: (m: Message) => boolean, what: string, ms = 10_000): Promise<Message> {
    const seen = this.messages.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no ${what} within ${String(ms)} ms; got ${this.messages.map((m) => m.type).join(', ')}`));
      }, ms);
      this.waiters.push({
        test,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  closed(): Promise<number> {
    if (this.closeCode !== undefined) return Promise.resolve(this.closeCode);
    return new Promise((resolve) => this.closeWaiters.push(resolve));
  }

  close(): void {
    this.ws.close();
  }
}
