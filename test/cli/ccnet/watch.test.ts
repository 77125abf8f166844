/**
 * `kioskbus watch ccnet` as a spawned process (real argv, stdio pipes, exit codes, signals) against `kioskbus simulate
 * ccnet` on TCP: the watch says `offline` once when the simulator goes away, reconnects and says `online` when it is
 * back; with `--once` it exits 1 instead.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawnCli, type Spawned } from '../spawn.js';

const running: Spawned[] = [];
function start(args: readonly string[]): Spawned {
  const p = spawnCli(args);
  running.push(p);
  return p;
}

afterEach(async () => {
  for (const p of running.splice(0)) {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGKILL');
      await p.exited;
    }
  }
});

/** `kioskbus simulate ccnet ...` on a TCP port (0: a free one); resolves with its URL. */
async function simulator(port = 0): Promise<{ sim: Spawned; url: string; port: string }> {
  const sim = start(['simulate', 'ccnet', '--quiet', '--tcp', `127.0.0.1:${String(port)}`]);
  const match = await sim.waitFor(/listening on (tcp:\/\/\S+)/);
  const url = match[1] ?? '';
  return { sim, url, port: /:(\d+)$/.exec(url)?.[1] ?? '' };
}

describe('kioskbus watch ccnet, spawned', { timeout: 120_000 }, () => {
  it('reports a lost simulator once, reconnects and says online; --once exits 1 instead', async () => {
    // one simulator per watch: a CCNET simulator on TCP serves one client at a time
    const first = await simulator();
    const other = await simulator();
    const watch = start(['watch', 'ccnet', first.url, '--json']);
    const once = start(['watch', 'ccnet', other.url, '--json', '--once']);
    await watch.waitFor(/"name":"IDLING"/);
    await once.waitFor(/"name":"IDLING"/);
    expect(watch.lines().find((l) => l.event === 'initialized')).toMatchObject({ device: 'bill-validator@3' });

    first.sim.child.kill('SIGINT');
    other.sim.child.kill('SIGINT');
    expect(await first.sim.exited).toBe(130);
    await watch.waitFor(/"event":"offline"/);
    // --once: the lost device ends the watch with exit 1, never 0
    expect(await once.exited).toBe(1);
    expect(once.err()).toMatch(/kioskbus watch ccnet: /);

    const again = await simulator(Number(first.port));
    expect(again.url).toBe(first.url);
    await watch.waitFor(/"event":"online"/, 40_000);
    const events = watch.lines().map((l) => l.event);
    expect(events.filter((e) => e === 'offline')).toHaveLength(1);
    expect(events.filter((e) => e === 'online')).toHaveLength(1);
    // no problem line per poll while it was away
    expect(events.filter((e) => e === 'problem').length).toBeLessThan(3);
    watch.child.kill('SIGINT');
    expect(await watch.exited).toBe(130);
  });
});
