/**
 * The bridge against a real Debian mosquitto (CI installs it; without it these tests are skipped with a printed reason).
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { MqttBridge } from '../../src/service/mqtt/bridge.js';
import { cleanupAfterEach } from '../helpers/cleanups.js';
import {
  consumer,
  eventually,
  gate,
  MemoryHub,
  mosquittoAvailable,
  startMosquitto,
  tempDir,
  type Received,
} from './mqtt-helpers.js';

const available = mosquittoAvailable();
if (!available)
  console.log('mosquitto is not installed: the MQTT broker tests are skipped (apt-get install mosquitto)');

const cleanups = cleanupAfterEach();

function payloads(received: Received[], topic: string): unknown[] {
  return received.filter((m) => m.topic === topic && m.payload !== '').map((m) => JSON.parse(m.payload) as unknown);
}

function seqs(received: Received[], topic: string): number[] {
  return payloads(received, topic).map((p) => (p as { seq: number }).seq);
}

/** Starts the child bridge and resolves once it printed `line`. */
function child(url: string, dir: string, records: number, until: string) {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/service/fixtures/bridge-child.ts', url, dir, String(records)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(until)) resolve();
    });
    proc.once('exit', (code) => {
      reject(new Error(`bridge child exited (${String(code)}) before '${until}': ${out}`));
    });
  });
  cleanups.push(async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGKILL');
      await exited;
    }
  });
  return { proc, ready };
}

describe.skipIf(!available)('MQTT bridge on mosquitto', () => {
  it('a killed kiosk leaves its Will as the retained state, with the bdSeq of its birth', async () => {
    const broker = await startMosquitto();
    cleanups.push(() => broker.close());
    const dir = tempDir();
    const { proc, ready } = child(broker.url, dir, 0, 'connected 1');
    await ready;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await exited;
    const { client, received } = await consumer(broker.url, 'kioskbus/child/bridge/state');
    cleanups.push(() => client.endAsync(true));
    await eventually(() => payloads(received, 'kioskbus/child/bridge/state').length > 0, 10_000);
    expect(payloads(received, 'kioskbus/child/bridge/state').at(-1)).toEqual({ state: 'offline', bdSeq: 1 });
    expect(received.at(-1)?.retain).toBe(true);
  });

  it('a kiosk killed with kill -9 and started again re-sends what the broker had not acknowledged, with a new bdSeq', async () => {
    const broker = await startMosquitto();
    cleanups.push(() => broker.close());
    const { client, received } = await consumer(broker.url, 'kioskbus/child/#');
    cleanups.push(() => client.endAsync(true));
    const dir = tempDir();
    const first = child(broker.url, dir, 5, 'forwarded 5');
    await first.ready;
    const exited = new Promise((resolve) => first.proc.once('exit', resolve));
    first.proc.kill('SIGKILL');
    await exited;
    // the same journal with 3 more records: only 6..8 go out again
    const second = child(broker.url, dir, 8, 'forwarded 8');
    await second.ready;
    await eventually(() => seqs(received, 'kioskbus/child/nv200-0/event').length === 8, 10_000);
    expect(seqs(received, 'kioskbus/child/nv200-0/event')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const births = payloads(received, 'kioskbus/child/bridge/state') as { state: string; bdSeq: number }[];
    expect(births.filter((b) => b.state === 'online').map((b) => b.bdSeq)).toEqual([1, 2]);
  });

  it('a broker restarted in the middle of a session loses no money event', async () => {
    const broker = await startMosquitto();
    // the bridge reaches the broker through a gate, so the test decides when it gets back in after the restart
    const door = await gate(broker.port);
    cleanups.push(() => door.close());
    const hub = new MemoryHub();
    const bridge = new MqttBridge(hub, {
      url: door.url,
      kiosk: 'k9',
      dataDir: tempDir(),
      reconnectMinMs: 100,
      reconnectMaxMs: 500,
    });
    cleanups.push(() => bridge.stop());
    await bridge.start();
    hub.append({ type: 'credit', device: 'nv200-0', amount: 500, currency: 'EUR' });
    await eventually(() => bridge.cursor === 1);
    door.open = false;
    await broker.close();
    // money taken while the broker is down
    for (let i = 0; i < 4; i++) hub.append({ type: 'credit', device: 'nv200-0', amount: 100, currency: 'EUR' });
    const again = await startMosquitto(broker.port);
    cleanups.push(() => again.close());
    const { client, received } = await consumer(again.url, 'kioskbus/k9/#');
    cleanups.push(() => client.endAsync(true));
    door.open = true;
    await eventually(() => bridge.cursor === 5, 20_000);
    await eventually(() => seqs(received, 'kioskbus/k9/nv200-0/event').length === 4, 10_000);
    expect(seqs(received, 'kioskbus/k9/nv200-0/event')).toEqual([2, 3, 4, 5]);
    // every connect attempt took a new bdSeq; the birth after the restart carries the current one
    const births = payloads(received, 'kioskbus/k9/bridge/state') as { state: string; bdSeq: number }[];
    expect(bridge.bdSeq).toBeGreaterThan(1);
    expect(births.filter((b) => b.state === 'online').at(-1)?.bdSeq).toBe(bridge.bdSeq);
  }, 60_000);
});
