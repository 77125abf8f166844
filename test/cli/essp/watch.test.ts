/**
 * `kioskbus watch essp` end to end: the command talks over TCP to the real simulator served with serveTcp.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/cli/types.js';
import { watch } from '../../../src/cli/essp/watch.js';
import { esspCli } from '../../../src/cli/essp/index.js';
import { SspSimulator } from '../../../src/essp/simulator/simulator.js';
import { serveTcp } from '../../../src/transport/tcp.js';
import { memoryIo } from '../../helpers/cli-io.js';

async function until(check: () => boolean, ms: number): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('kioskbus watch essp', () => {
  it('is registered on the eSSP protocol CLI', () => {
    expect(esspCli.watch).toBe(watch);
  });

  it('starts the validator over TCP and prints ready, escrow, credit (once) and stacked', async () => {
    const simulator = new SspSimulator({
      device: 'nv200',
      replyLatencyMs: 1,
      timing: { readMs: 50, creditMs: 50, stackMs: 100 },
    });
    const server = await serveTcp({ port: 0 }, (transport) => {
      simulator.attach(transport);
    });
    const t = memoryIo();
    const running = watch.run([`tcp://127.0.0.1:${server.port}`, '--accept', '500,1000', '--trace'], t.io);
    try {
      await until(() => t.lines().some((l) => l.event === 'ready'), 10_000);
      const ready = t.lines().find((l) => l.event === 'ready');
      expect(ready).toMatchObject({
        address: 0,
        device: 'nv200@0',
        encrypted: true,
        currency: 'EUR',
        protocolVersion: 8,
      });
      expect(simulator.state.validator.inhibits.slice(0, 3)).toEqual([true, true, false]);
      simulator.insertNote(2);
      await until(() => t.lines().some((l) => l.event === 'stacked'), 10_000);
      const events = t.lines().filter((l) => !['reading', 'stacking', 'tx', 'rx'].includes(String(l.event)));
      expect(events.map((l) => l.event)).toEqual(['ready', 'escrow', 'credit', 'stacked']);
      expect(events[2]).toMatchObject({ channel: 2, value: 1000, currency: 'EUR' });
      const traces = t.lines().filter((l) => l.event === 'tx' || l.event === 'rx');
      expect(traces.length).toBeGreaterThan(10);
      // the trace shows frames (cipher text after the key exchange), never key material
      expect(JSON.stringify(traces)).not.toMatch(/6745230167452301/);
    } finally {
      t.abort();
      expect(await running).toBe(130);
      simulator.close();
      await server.close();
    }
  });

  it('rejects bad arguments with usage errors that do not repeat the key', async () => {
    const t = memoryIo();
    await expect(watch.run([], t.io)).rejects.toBeInstanceOf(UsageError);
    await expect(watch.run(['tcp://127.0.0.1:1', '--address', '200'], t.io)).rejects.toThrow(/--address/);
    await expect(watch.run(['tcp://127.0.0.1:1', '--poll-interval', '50'], t.io)).rejects.toThrow(/200\.\.1000/);
    const error = await watch.run(['tcp://127.0.0.1:1', '--fixed-key', 'secretsecretXYZ'], t.io).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect(error?.message).not.toContain('secret');
  });
});
