/**
 * An in-process MQTT broker for development (`kioskbus serve --embedded-broker`, `kioskbus fleet-demo`): aedes,
 * MQTT 3.1.1 only, loopback only, nothing persisted. Loaded only when asked (a dynamic import), so a kiosk that talks to
 * a real broker never loads it. Production fleets use a broker the operator runs.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { ErrorCode, KioskbusError } from '../../core/errors.js';

export interface EmbeddedBroker {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startEmbeddedBroker(options: { host?: string; port?: number } = {}): Promise<EmbeddedBroker> {
  const host = options.host ?? '127.0.0.1';
  let Aedes: typeof import('aedes').Aedes;
  try {
    ({ Aedes } = await import('aedes'));
  } catch (error) {
    throw new KioskbusError(
      ErrorCode.InvalidArgument,
      `the embedded broker needs the 'aedes' package (npm install aedes), or give --mqtt URL of a broker: ${String(error)}`,
    );
  }
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `mqtt://${host}:${port}`,
    port,
    close: async () => {
      await new Promise<void>((resolve) => {
        broker.close(() => {
          resolve();
        });
      });
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}
