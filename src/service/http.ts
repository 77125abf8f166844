/**
 * REST + WebSocket front of the service on `node:http` and `ws`. Every `/api` route but `/api/openapi.json` needs
 * `Authorization: Bearer <token>`; `/ws` takes the same header or, for browsers, a first message
 * `{"type":"auth","token":"..."}`. The device-lab page (`/`, `/lab.js`) is public: it holds no secret and asks for
 * the token.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { ErrorCode, isKioskbusError } from '../core/errors.js';
import type { Money } from '../core/money.js';
import { messageOf } from './devices/base.js';
import type { SimAction } from './devices/types.js';
import type { KioskService, ServiceMessage } from './kiosk.js';
import { bearerOf, tokenMatches } from './token.js';

export interface HttpOptions {
  service: KioskService;
  token: string;
  host?: string;
  port?: number;
  /** The OpenAPI document served at /api/openapi.json. */
  openapi?: () => unknown;
  /** Static files of the device lab by URL path (`/` and `/lab.js`): body and content type. */
  assets?: ReadonlyMap<string, { body: Buffer | string; type: string }>;
  /** Time a WebSocket may take to send its auth message (default 5000 ms). */
  wsAuthTimeoutMs?: number;
}

export interface HttpHandle {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string = ErrorCode.InvalidArgument,
  ) {
    super(message);
  }
}

const MAX_BODY = 64 * 1024;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new HttpError(413, `request body over ${String(MAX_BODY)} bytes`));
        req.destroy();
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (text === '') {
        resolve({});
        return;
      }
      try {
        const value: unknown = JSON.parse(text);
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          reject(new HttpError(400, 'the request body must be a JSON object'));
        } else {
          resolve(value as Record<string, unknown>);
        }
      } catch (error) {
        reject(new HttpError(400, `the request body is not JSON: ${messageOf(error)}`));
      }
    });
    req.on('error', reject);
  });
}

function money(value: unknown, field: string): Money {
  const m = value as Partial<Money> | undefined;
  if (typeof m !== 'object' || typeof m.amount !== 'number' || typeof m.currency !== 'string') {
    throw new HttpError(400, `${field} must be {"amount": <integer minor units>, "currency": "EUR"}`);
  }
  return { amount: m.amount, currency: m.currency };
}

function statusOf(error: unknown): number {
  if (error instanceof HttpError) return error.status;
  if (isKioskbusError(error)) {
    const status = error.context.status;
    if (typeof status === 'number') return status;
    if (error.code === ErrorCode.Closed) return 503;
    if (error.code === ErrorCode.InvalidArgument || error.code === ErrorCode.InvalidMoney) return 400;
    return 502;
  }
  return 500;
}

type Handler = (req: IncomingMessage, params: string[], url: URL) => Promise<unknown>;

export function startHttp(options: HttpOptions): Promise<HttpHandle> {
  const service = options.service;
  const routes: { method: string; path: RegExp; handler: Handler }[] = [];
  const route = (method: string, path: RegExp, handler: Handler): void => {
    routes.push({ method, path, handler });
  };

  route('GET', /^\/api\/devices$/, () => Promise.resolve({ kiosk: service.kiosk, devices: service.list() }));
  route('GET', /^\/api\/devices\/([\w-]+)$/, (_q, [id]) => Promise.resolve(service.view(id ?? '')));
  route('POST', /^\/api\/devices\/([\w-]+)\/(enable|disable)$/, async (_q, [id, verb]) => {
    const [view] = await service.setEnabled(id, verb === 'enable');
    return view;
  });
  route('POST', /^\/api\/devices\/(enable|disable)$/, async (_q, [verb]) => ({
    devices: await service.setEnabled(undefined, verb === 'enable'),
  }));
  route('POST', /^\/api\/devices\/([\w-]+)\/simulate$/, async (req, [id]) => {
    const body = await readJson(req);
    if (typeof body.action !== 'string') throw new HttpError(400, 'action is required (e.g. "insert")');
    const action = { action: body.action, ...(body.value !== undefined ? { value: money(body.value, 'value') } : {}) };
    await service.simulate(id ?? '', action as SimAction);
    return { ok: true, device: id, action: body.action };
  });
  route('POST', /^\/api\/payouts$/, async (req) => {
    const body = await readJson(req);
    if (typeof body.device !== 'string') throw new HttpError(400, 'device is required (a device id with canPayout)');
    if (typeof body.transaction !== 'string') {
      throw new HttpError(400, 'transaction is required: a client id, the same on a retry, new for each payout');
    }
    return service.payout(body.device, money(body.amount, 'amount'), body.transaction);
  });
  route('POST', /^\/api\/vends$/, async (req) => {
    const body = await readJson(req);
    if (typeof body.device !== 'string') throw new HttpError(400, 'device is required (a card reader with canVend)');
    if (typeof body.transaction !== 'string') {
      throw new HttpError(400, 'transaction is required: a client id, the same on a retry, new for each vend');
    }
    const waitMs = body.waitMs;
    if (waitMs !== undefined && (!Number.isSafeInteger(waitMs) || (waitMs as number) < 0)) {
      throw new HttpError(400, 'waitMs must be a whole number of milliseconds (how long to wait for a card)');
    }
    return service.vend(body.device, money(body.amount, 'amount'), body.transaction, waitMs as number | undefined);
  });
  route('POST', /^\/api\/cards\/dispense$/, async (req) => {
    const body = await readJson(req);
    if (typeof body.device !== 'string') throw new HttpError(400, 'device is required (a device with dispensers)');
    if (typeof body.transaction !== 'string') {
      throw new HttpError(400, 'transaction is required: a client id, the same on a retry, new for each card');
    }
    if (typeof body.tcd !== 'number') throw new HttpError(400, 'tcd is required: the dispenser number (0, 1, ...)');
    return service.dispenseCard(body.device, body.tcd, body.transaction);
  });
  route('GET', /^\/api\/(?:payouts|vends|cards\/dispense|transactions)\/([^/]+)$/, (_q, [tx]) => {
    const outcome = service.outcomeOf(decodeURIComponent(tx ?? ''));
    if (!outcome) throw new HttpError(404, 'no finished request with this transaction');
    return Promise.resolve(outcome);
  });
  route('POST', /^\/api\/(?:payouts|vends|cards\/dispense|transactions)\/([^/]+)\/resolve$/, async (req, [tx]) => {
    const body = await readJson(req);
    const dispensed = body.dispensed;
    if (dispensed !== undefined && typeof dispensed !== 'boolean')
      throw new HttpError(400, 'dispensed must be true or false');
    return service.resolve(decodeURIComponent(tx ?? ''), {
      ...(body.paid !== undefined ? { paid: money(body.paid, 'paid') } : {}),
      ...(dispensed !== undefined ? { dispensed } : {}),
    });
  });
  route('GET', /^\/api\/credits\/pending$/, () => Promise.resolve({ credits: service.pendingCredits() }));
  route('POST', /^\/api\/credits\/ack$/, async (req) => {
    const body = await readJson(req);
    const seqs = body.seqs;
    if (!Array.isArray(seqs) || !seqs.every((s) => Number.isSafeInteger(s))) {
      throw new HttpError(400, 'seqs must be a list of credit seq numbers, e.g. {"seqs": [12, 13]}');
    }
    return { acknowledged: service.ack(seqs as number[]) };
  });
  route('GET', /^\/api\/journal$/, (_q, _p, url) => {
    const since = Number(url.searchParams.get('since') ?? '0');
    const limit = Number(url.searchParams.get('limit') ?? '500');
    if (!Number.isSafeInteger(since) || since < 0) throw new HttpError(400, 'since must be a seq number >= 0');
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 5000) throw new HttpError(400, 'limit must be 1..5000');
    const records = service.journalSince(since, limit);
    return Promise.resolve({ lastSeq: service.journal.lastSeq, records });
  });
  route('GET', /^\/api\/alerts$/, () => Promise.resolve({ alerts: service.alertList() }));

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (req.method === 'GET' && path === '/api/openapi.json' && options.openapi) {
      send(res, 200, options.openapi());
      return;
    }
    const asset = req.method === 'GET' ? options.assets?.get(path === '/index.html' ? '/' : path) : undefined;
    if (asset) {
      res.writeHead(200, {
        'content-type': asset.type,
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'self'; connect-src 'self' ws: wss:; style-src 'self' 'unsafe-inline'",
      });
      res.end(asset.body);
      return;
    }
    if (!path.startsWith('/api/')) {
      send(res, 404, { error: { code: 'NOT_FOUND', message: `no page ${path}` } });
      return;
    }
    if (!tokenMatches(bearerOf(req.headers.authorization), options.token)) {
      res.setHeader('www-authenticate', 'Bearer');
      send(res, 401, {
        error: { code: 'UNAUTHORIZED', message: 'send Authorization: Bearer <token> (see <data>/token)' },
      });
      return;
    }
    const candidates = routes.filter((r) => r.path.test(path));
    const match = candidates.find((r) => r.method === req.method);
    if (!match) {
      const status = candidates.length > 0 ? 405 : 404;
      send(res, status, { error: { code: 'NOT_FOUND', message: `no ${req.method ?? ''} ${path}` } });
      return;
    }
    const params = (match.path.exec(path) ?? []).slice(1);
    match.handler(req, params, url).then(
      (body) => {
        send(res, 200, body);
      },
      (error: unknown) => {
        const code = error instanceof HttpError ? error.code : isKioskbusError(error) ? error.code : 'INTERNAL';
        send(res, statusOf(error), { error: { code, message: messageOf(error) } });
      },
    );
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY });
  const sockets = new Set<WebSocket>();
  const welcome = (ws: WebSocket): void => {
    const sendMessage = (message: ServiceMessage | Record<string, unknown>): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    };
    sendMessage({
      type: 'hello',
      kiosk: service.kiosk,
      seq: service.journal.lastSeq,
      devices: service.list(),
      alerts: service.alertList(),
    });
    for (const credit of service.pendingCredits()) {
      sendMessage({
        type: 'credit',
        device: credit.device,
        seq: credit.seq,
        ts: credit.ts,
        value: credit.value,
        replay: true,
      });
    }
    const unsubscribe = service.subscribe(sendMessage);
    ws.on('close', unsubscribe);
  };
  const onMessage = (ws: WebSocket, authed: () => boolean, authorise: () => void, data: string): void => {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(data) as Record<string, unknown>;
    } catch {
      ws.send(JSON.stringify({ type: 'error', message: 'messages are JSON objects' }));
      return;
    }
    if (!authed()) {
      if (message.type === 'auth' && typeof message.token === 'string' && tokenMatches(message.token, options.token)) {
        authorise();
      } else {
        ws.close(4401, 'unauthorized');
      }
      return;
    }
    if (message.type === 'ack' && Array.isArray(message.seqs)) {
      try {
        service.ack(message.seqs as number[]);
      } catch (error) {
        ws.send(JSON.stringify({ type: 'error', message: messageOf(error) }));
      }
    }
  };
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    const header = bearerOf(req.headers.authorization);
    if (header !== undefined && !tokenMatches(header, options.token)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      let authed = header !== undefined;
      const timer = authed
        ? undefined
        : setTimeout(() => {
            if (!authed) ws.close(4401, 'no auth message');
          }, options.wsAuthTimeoutMs ?? 5000);
      ws.on('message', (data: Buffer) => {
        onMessage(
          ws,
          () => authed,
          () => {
            authed = true;
            clearTimeout(timer);
            welcome(ws);
          },
          data.toString('utf8'),
        );
      });
      ws.on('close', () => {
        clearTimeout(timer);
      });
      if (authed) welcome(ws);
    });
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 7070, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve({
        url: `http://${host}:${String(address.port)}`,
        port: address.port,
        server,
        close: () =>
          new Promise<void>((done) => {
            for (const ws of sockets) ws.close(1001, 'service stopping');
            wss.close();
            server.close(() => {
              done();
            });
            server.closeAllConnections();
          }),
      });
    });
  });
}
