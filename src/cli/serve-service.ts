/**
 * `kioskbus serve`: the local device service (REST + WebSocket + device lab) over the money journal. Runs until
 * SIGINT/SIGTERM, then disables the devices, lets running payouts finish, closes the journal and exits 0.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, simulatedConfig, type ServiceConfig } from '../service/config.js';
import type { KioskService } from '../service/kiosk.js';
import { serve } from '../service/serve.js';
import { UsageError, type CliCommand } from './types.js';
import { untilAborted } from './util.js';

/** The MQTT bridge, when asked for (`--mqtt URL`, `--embedded-broker` or the config's `mqtt`); loaded only then. */
async function startBridge(
  service: KioskService,
  config: ServiceConfig,
  dataDir: string,
  url: string | undefined,
  embedded: boolean,
): Promise<{ url: string; close(): Promise<void> } | undefined> {
  if (config.mqtt === undefined && url === undefined && !embedded) return undefined;
  const [{ attachMqtt }, { parseMqttSettings }] = await Promise.all([
    import('../service/mqtt/attach.js'),
    import('../service/mqtt/settings.js'),
  ]);
  const settings =
    embedded && url === undefined && config.mqtt === undefined
      ? undefined
      : parseMqttSettings(config.mqtt, config.kiosk, url);
  return attachMqtt(service, { settings, embedded, dataDir });
}

/**
 * With MQTT, the bridge's stored cursor is the journal's retention floor from the moment the journal opens (a
 * compaction on open must not drop what the broker has not acknowledged yet).
 */
async function bridgeFloor(
  config: ServiceConfig,
  dataDir: string,
  url: string | undefined,
  embedded: boolean,
): Promise<Record<string, number> | undefined> {
  if (config.mqtt === undefined && url === undefined && !embedded) return undefined;
  const [{ persistedCursor }, { JOURNAL_CONSUMER }] = await Promise.all([
    import('../service/mqtt/state-file.js'),
    import('../service/mqtt/attach.js'),
  ]);
  return { [JOURNAL_CONSUMER]: persistedCursor(dataDir) };
}

/**
 * The CLI ends the process shortly after Ctrl-C or SIGTERM; a service must first finish the payouts it runs and
 * close its journal. While it serves, this command answers the signals itself (a second signal still ends it at
 * once) and gives the CLI's handlers back afterwards.
 */
function takeOverSignals(outer: AbortSignal): { signal: AbortSignal; restore(): void } {
  const controller = new AbortController();
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const saved = signals.map((name) => [name, process.listeners(name)] as const);
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  for (const name of signals) {
    process.removeAllListeners(name);
    process.on(name, onSignal);
  }
  const onOuter = (): void => {
    controller.abort();
  };
  outer.addEventListener('abort', onOuter, { once: true });
  return {
    signal: controller.signal,
    restore: () => {
      outer.removeEventListener('abort', onOuter);
      for (const [name, listeners] of saved) {
        process.off(name, onSignal);
        for (const listener of listeners) process.on(name, listener);
      }
    },
  };
}

export const serveServiceCommand: CliCommand = {
  summary: 'run the local device service: REST + WebSocket API, money journal, web device lab',
  usage: `kioskbus serve [--config FILE | --simulate] [--host 127.0.0.1] [--port 7070] [--data DIR]

Owns the devices of kioskbus.config.json (or, with --simulate, one simulated device of every kind) and serves
  http://HOST:PORT/            the device lab (a web page; asks for the token once)
  http://HOST:PORT/api/...     REST (Authorization: Bearer <token>); description at /api/openapi.json
  ws://HOST:PORT/ws            live states and events, each with its journal seq

  --config FILE   the configuration (default ./kioskbus.config.json)
  --simulate      simulated devices instead of a configuration
  --host HOST     address to bind (default 127.0.0.1: this machine only)
  --port PORT     port (default 7070; 0 takes a free one)
  --data DIR      journal and token (default ./kioskbus-data, or ./kioskbus-data-simulated with --simulate)
  --mqtt URL      also bridge to an MQTT broker (mqtt://user:pass@host:1883; settings: the config's "mqtt")
  --embedded-broker  start an in-process MQTT broker on loopback and bridge to it (development)

The token is written to DIR/token (mode 0600) and printed on the first start.`,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        config: { type: 'string' },
        simulate: { type: 'boolean' },
        host: { type: 'string' },
        port: { type: 'string' },
        data: { type: 'string' },
        mqtt: { type: 'string' },
        'embedded-broker': { type: 'boolean' },
      },
      strict: true,
    });
    if (values.simulate && values.config !== undefined)
      throw new UsageError('give --config FILE or --simulate, not both');
    const port = Number(values.port ?? '7070');
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`--port expects 0..65535, got "${values.port ?? ''}"`);
    const config = values.simulate ? simulatedConfig() : loadConfig(values.config ?? 'kioskbus.config.json');
    const dataDir = resolve(values.data ?? (values.simulate ? 'kioskbus-data-simulated' : 'kioskbus-data'));
    const retain = await bridgeFloor(config, dataDir, values.mqtt, values['embedded-broker'] === true);
    const running = await serve({
      config,
      dataDir,
      host: values.host ?? '127.0.0.1',
      port,
      ...(retain ? { retain } : {}),
    });
    let bridge: { url: string; close(): Promise<void> } | undefined;
    try {
      bridge = await startBridge(running.service, config, dataDir, values.mqtt, values['embedded-broker'] === true);
    } catch (error) {
      await running.close();
      throw error;
    }
    io.stdout.write(`listening on ${running.url}\n`);
    if (running.tokenCreated) io.stdout.write(`access token (saved in ${running.tokenPath}): ${running.token}\n`);
    else io.stdout.write(`access token in ${running.tokenPath}\n`);
    if (bridge) io.stdout.write(`MQTT bridge on ${bridge.url}\n`);
    running.started.then(
      () => {
        const list = running.service.list();
        const failed = list.filter((d) => d.state === 'failed');
        io.stderr.write(`${String(list.length - failed.length)} of ${String(list.length)} devices started\n`);
        for (const d of failed) io.stderr.write(`  ${d.id}: ${d.error ?? 'failed'}\n`);
      },
      () => undefined,
    );
    const restore = io.stdout === process.stdout ? takeOverSignals(io.signal) : { signal: io.signal, restore() {} };
    try {
      await untilAborted(restore.signal);
      io.stderr.write('stopping: disabling devices, finishing payouts, closing the journal\n');
      await bridge?.close();
      await running.close();
    } finally {
      restore.restore();
    }
    return 0;
  },
};
