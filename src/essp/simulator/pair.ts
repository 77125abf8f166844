import { createMemoryPair, type MemoryTransport } from '../../transport/memory.js';
import { SspSimulator, type SspSimulatorOptions } from './simulator.js';

export interface SimulatorPair {
  /** The host end: give it to an SspBus (or any eSSP host). */
  host: MemoryTransport;
  /** The simulator end (for fault injection in tests). */
  device: MemoryTransport;
  simulator: SspSimulator;
  /** Detaches the simulator, stops its timers and closes both ends. */
  close(): Promise<void>;
}

/**
 * A simulator served on an in-memory link: `host` is the transport a host talks to. Defaults to an NV9USB; reply
 * latency 0 unless `replyLatencyMs` is given (`linkLatencyMs` delays every byte on the link itself).
 */
export function startSimulatorPair(
  options: Partial<SspSimulatorOptions> & { linkLatencyMs?: number } = {},
): SimulatorPair {
  const { linkLatencyMs, ...simOptions } = options;
  const pairOptions: Parameters<typeof createMemoryPair>[0] = { names: ['memory:essp-host', 'memory:essp-sim'] };
  if (linkLatencyMs !== undefined) pairOptions.latencyMs = linkLatencyMs;
  if (simOptions.clock) pairOptions.clock = simOptions.clock;
  const [host, device] = createMemoryPair(pairOptions);
  const simulator = new SspSimulator({ device: 'nv9usb', ...simOptions });
  const detach = simulator.attach(device);
  return {
    host,
    device,
    simulator,
    async close() {
      detach();
      simulator.close();
      await device.close();
      await host.close();
    },
  };
}
