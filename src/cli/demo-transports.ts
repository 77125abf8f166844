import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '../core/bytes.js';
import { hasSocat, PtyBridgeTransport } from '../transport/pty.js';
import { SerialTransport } from '../transport/serial.js';
import { serveTcp, TcpTransport } from '../transport/tcp.js';
import type { Transport } from '../transport/types.js';
import type { DemoSection } from './types.js';

/** A one-line "device": answers every chunk with the bytes reversed, so a round trip is visible. */
function attachMirror(device: Transport): () => void {
  const onData = (chunk: Uint8Array): void => {
    void device.write(chunk.slice().reverse());
  };
  device.on('data', onData);
  return () => device.off('data', onData);
}

function roundTrip(host: Transport, bytes: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`no answer from ${host.description}`));
    }, 3000);
    host.once('data', (chunk) => {
      clearTimeout(timer);
      resolve(chunk);
    });
    host.write(bytes).catch(reject);
  });
}

export const transportsDemo: DemoSection = {
  title: 'transports: a device served on TCP and on a pseudo-terminal',
  async run(say) {
    const probe = Uint8Array.of(0x7f, 0x80, 0x01, 0x11, 0x65, 0x82);
    const server = await serveTcp({ port: 0 }, (t) => {
      attachMirror(t);
    });
    const tcp = new TcpTransport({ host: server.host, port: server.port });
    try {
      await tcp.open();
      const answer = await roundTrip(tcp, probe);
      say(`tcp ${server.url}: sent ${toHex(probe)}, got ${toHex(answer)}`);
    } finally {
      await tcp.close();
      await server.close();
    }
    if (!hasSocat()) {
      say('pty: skipped (socat is not installed)');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'kioskbus-demo-'));
    const path = join(dir, 'ttyDEMO');
    const pty = new PtyBridgeTransport({ path });
    await pty.open();
    attachMirror(pty);
    const serial = new SerialTransport({ path, baudRate: 9600, stopBits: 2 });
    try {
      await serial.open();
      const answer = await roundTrip(serial, probe);
      say(`pty ${path}: sent ${toHex(probe)}, got ${toHex(answer)}`);
    } finally {
      await serial.close();
      await pty.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
