/**
 * Starts the whole service: the journal in the data folder, the token, the devices (from a configuration or
 * simulated), and the HTTP/WebSocket server. Listening comes first; devices start in the background, so the
 * service answers within a second while slow devices are still `starting`.
 */
import { join } from 'node:path';
import { FileJournal } from '../journal/file-journal.js';
import { loadLabAssets } from './assets.js';
import { DeviceBuilder, type BuildOptions } from './build.js';
import type { ServiceConfig } from './config.js';
import { startHttp, type HttpHandle } from './http.js';
import { KioskService } from './kiosk.js';
import { openApiDocument } from './openapi.js';
import { loadOrCreateToken } from './token.js';

export interface ServeOptions extends BuildOptions {
  config: ServiceConfig;
  /** Data folder: journal and token. */
  dataDir: string;
  host?: string;
  port?: number;
  /** Journal consumers known before it opens (name -> persisted cursor): their retention floor holds from the start. */
  retain?: Readonly<Record<string, number>>;
}

export interface RunningService {
  url: string;
  token: string;
  tokenPath: string;
  tokenCreated: boolean;
  service: KioskService;
  http: HttpHandle;
  /** Resolves when every device has started or failed. */
  started: Promise<void>;
  /** Disables the devices, finishes running payouts, stops everything and closes the journal. */
  close(): Promise<void>;
}

export async function serve(options: ServeOptions): Promise<RunningService> {
  const token = loadOrCreateToken(options.dataDir);
  const journal = new FileJournal({
    dir: join(options.dataDir, 'journal'),
    ...(options.retain ? { retain: options.retain } : {}),
  });
  let service: KioskService;
  try {
    const devices = await new DeviceBuilder(options).build(options.config);
    service = new KioskService(options.config, devices, journal);
  } catch (error) {
    journal.close();
    throw error;
  }
  let http: HttpHandle;
  try {
    http = await startHttp({
      service,
      token: token.token,
      ...(options.host !== undefined ? { host: options.host } : {}),
      ...(options.port !== undefined ? { port: options.port } : {}),
      openapi: openApiDocument,
      assets: loadLabAssets(),
    });
  } catch (error) {
    await service.close(0);
    throw error;
  }
  const started = service.start();
  let closing: Promise<void> | undefined;
  return {
    url: http.url,
    token: token.token,
    tokenPath: token.path,
    tokenCreated: token.created,
    service,
    http,
    started,
    close: () => {
      closing ??= (async () => {
        await started.catch(() => undefined);
        await service.close();
        await http.close();
      })();
      return closing;
    },
  };
}
