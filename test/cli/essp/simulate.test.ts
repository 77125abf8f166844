/**
 * `kioskbus simulate essp`: served on TCP, driven by the real SspBus over a TcpTransport and by script lines on stdin.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../src/core/bytes.js';
import { UsageError } from '../../../src/cli/types.js';
import { SspBus } from '../../../src/essp/bus.js';
import { decodeEvents } from '../../../src/essp/events.js';
import { parseSimulateArgs, simulate } from '../../../src/cli/essp/simulate.js';
import { TcpTransport } from '../../../src/transport/tcp.js';
import { memoryIo } from '../../helpers/cli-io.js';

async function waitFor(check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('kioskbus simulate essp', () => {
  it('parses its options and refuses bad ones', () => {
    expect(parseSimulateArgs(['--device', 'NV200', '--latency', '0', '--fixed-key', '0123456789abcdef'])).toMatchObject(
      {
        device: 'nv200',
        replyLatencyMs: 0,
        fixedKey: 0x0123456789abcdefn,
        quiet: false,
      },
    );
    expect(() => parseSimulateArgs(['--device', 'nv999'])).toThrow(UsageError);
    expect(() => parseSimulateArgs(['--latency', '-3'])).toThrow(/--latency/);
    expect(() => parseSimulateArgs(['--address', '0x7e'])).toThrow(/--address/);
    expect(() => parseSimulateArgs(['--fixed-key', 'xyz'])).toThrow(/--fixed-key/);
  });

  it('serves on TCP, answers a real host, and takes script lines from stdin', async () => {
    const stdin = new PassThrough();
    const { io, out: stdout, err: stderr, abort } = memoryIo(stdin);
    const running = simulate.run(['--device', 'nv200', '--tcp', '127.0.0.1:0', '--latency', '1'], io);
    await waitFor(() => /listening on tcp:\/\//.test(stdout()));
    const match = /tcp:\/\/([\d.]+):(\d+)/.exec(stdout());
    const transport = new TcpTransport({ host: match?.[1] ?? '', port: Number(match?.[2]) });
    await transport.open();
    const bus = new SspBus(transport);
    try {
      await bus.sync(0);
      expect(toHex(await bus.exchange(0, Uint8Array.of(0x0c)))).toBe('f0 00 29 8a a6');
      await bus.negotiateKey(0);
      await bus.exchange(0, Uint8Array.of(0x02, 0xff), { encrypt: true });
      await bus.exchange(0, Uint8Array.of(0x0a), { encrypt: true });
      stdin.write('wait 30\ninsert 2\nstate\nbogus\n');
      await waitFor(() => stdout().includes('note reading ch 2'));
      expect(stdout()).toContain('note 2 inserted');
      expect(stderr()).toContain('unknown command "bogus"');
      expect(stderr()).toContain('[NV200] note inserted (channel 2)');
      const reply = await bus.exchange(0, Uint8Array.of(0x07), { encrypt: true });
      const names = decodeEvents(reply.subarray(1), { protocolVersion: 6 }).map((e) => e.name);
      expect(names).toEqual(['SLAVE_RESET', 'READ_NOTE']);
    } finally {
      await bus.close();
      abort();
    }
    expect(await running).toBe(0);
  });
});
