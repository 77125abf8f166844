import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCrcSetting, type CrcVariant } from '../../src/controllerbox/frame.js';
import { ControllerBoxHost } from '../../src/controllerbox/host.js';
import { ControllerBoxSimulator } from '../../src/controllerbox/simulator/simulator.js';
import { hasSocat, PtyBridgeTransport } from '../../src/transport/pty.js';

describe.skipIf(!hasSocat())('ControllerBox over a pseudo-terminal (socat)', () => {
  it('runs the host on a serial port path against the simulator, with CRC auto detection', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kioskbus-cb-'));
    const path = join(dir, 'ttyCB');
    const pty = new PtyBridgeTransport({ path });
    const sim = new ControllerBoxSimulator({ crc: parseCrcSetting('xmodem/id+len+data/le') as CrcVariant });
    let host: ControllerBoxHost | undefined;
    try {
      await pty.open();
      const detach = sim.attach(pty);
      host = await ControllerBoxHost.open(path, { crc: 'auto' });
      const bills: number[] = [];
      host.on('billAccepted', (e) => bills.push(e.value.amount));
      expect((await host.version()).board).toEqual({ major: 2, minor: 0, patch: 1 });
      expect(host.crcVariant).toEqual(parseCrcSetting('xmodem/id+len+data/le'));
      await host.dispenseCard(1);
      await sim.acceptBill(20000);
      for (let i = 0; i < 100 && bills.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(bills).toEqual([20000]);
      expect(sim.state.tcds[1]?.cards).toBe(49);
      detach();
    } finally {
      await host?.close();
      sim.close();
      await pty.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
