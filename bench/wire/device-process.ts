/**
 * The device side of `bench:wire`, in its own process (forked by remote.ts): serves one simulator at a time on a
 * paced pty and reports every transmission on the line, every command the simulator ran and every event it
 * queued, with absolute times (`performance.timeOrigin + performance.now()`). Being apart from the hosts, its
 * clock reads the wire as an outside relay would: a host busy after a write cannot delay when its bytes are seen.
 */
import { BillSimulator } from '../../src/ccnet/simulator/bill.js';
import { SspSimulator } from '../../src/essp/simulator/simulator.js';
import type { LineSpan } from '../../src/transport/paced.js';
import { CCNET_LINE, ESSP_LINE, preciseClock, servePaced, type PacedPty } from './harness.js';
import type { ChildMessage, ParentMessage } from './remote.js';

function send(message: ChildMessage): void {
  process.send?.(message);
}

const at = (t: number): number => performance.timeOrigin + t;
const now = (): number => at(performance.now());

let current: { pty: PacedPty; sim: SspSimulator | BillSimulator } | undefined;

async function serve(message: Extract<ParentMessage, { type: 'serve' }>): Promise<void> {
  const onSpan = (direction: 'host' | 'device', span: LineSpan): void => {
    send({ type: 'span', direction, bytes: [...span.bytes], startMs: at(span.startMs), endMs: at(span.endMs) });
  };
  if (message.kind === 'essp') {
    const sim = new SspSimulator({ ...message.options, clock: preciseClock });
    sim.on('command', (c) => {
      send({ type: 'command', name: c.name, at: now() });
    });
    sim.on('event', (e) => {
      send({ type: 'event', name: e.name, channel: e.channel ?? 0, at: now() });
    });
    const pty = await servePaced(ESSP_LINE, (t) => sim.attach(t), onSpan);
    current = { pty, sim };
    send({ type: 'ready', path: pty.path, channels: sim.profile.channels.length });
  } else {
    const sim = new BillSimulator({ clock: preciseClock });
    sim.on('command', (name) => {
      send({ type: 'command', name, at: now() });
    });
    const pty = await servePaced(CCNET_LINE, (t) => sim.attach(t), onSpan);
    current = { pty, sim };
    send({ type: 'ready', path: pty.path, channels: 0 });
  }
}

async function stop(): Promise<void> {
  const c = current;
  current = undefined;
  if (c) {
    if (c.sim instanceof SspSimulator) c.sim.close();
    await c.pty.close();
  }
  send({ type: 'stopped' });
}

process.on('message', (message: ParentMessage) => {
  const run = async (): Promise<void> => {
    switch (message.type) {
      case 'serve':
        await serve(message);
        break;
      case 'insert':
        if (current?.sim instanceof SspSimulator) current.sim.insertNote(message.channel);
        break;
      case 'stop':
        await stop();
        break;
      case 'exit':
        await stop();
        process.exit(0);
    }
  };
  run().catch((error: unknown) => {
    send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  });
});
process.on('disconnect', () => process.exit(0));
