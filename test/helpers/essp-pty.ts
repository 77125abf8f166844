/**
 * A kioskbus eSSP simulator served on a socat pseudo-terminal, for programs that open a serial port by path (the
 * older eSSP library in the interop and compat side-by-side tests). Every chunk the simulator receives is recorded.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SspSimulator, type SspSimulatorOptions } from '../../src/essp/simulator/simulator.js';
import { PtyBridgeTransport } from '../../src/transport/pty.js';

export interface PtySimulator {
  sim: SspSimulator;
  /** The pseudo-terminal's path. */
  path: string;
  /** The bytes the simulator received, chunk by chunk. */
  received: Uint8Array[];
  /** Detaches and closes the simulator and the pty, and removes the pty's folder. */
  stop(): Promise<void>;
}

/** Starts a simulator (reply latency 5 ms unless given) on a new pty named `name` in a temporary folder. */
export async function startPtySimulator(options: SspSimulatorOptions, name = 'tty'): Promise<PtySimulator> {
  const dir = mkdtempSync(join(tmpdir(), 'kioskbus-essp-pty-'));
  const path = join(dir, name);
  const sim = new SspSimulator({ replyLatencyMs: 5, ...options });
  const pty = new PtyBridgeTransport({ path });
  await pty.open();
  const detach = sim.attach(pty);
  const received: Uint8Array[] = [];
  pty.on('data', (chunk) => received.push(chunk.slice()));
  return {
    sim,
    path,
    received,
    async stop() {
      detach();
      sim.close();
      await pty.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
