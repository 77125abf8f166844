/** The ControllerBox of the service: one host per UART, or a simulator on an in-memory pair. */
import { ControllerBoxHost, CONTROLLERBOX_SERIAL_DEFAULTS } from '../controllerbox/index.js';
import { ControllerBoxSimulator } from '../controllerbox/simulator/index.js';
import type { ProtocolBuilder } from './build-shared.js';
import { ControllerBoxDevice } from './devices/controllerbox.js';

export const controllerboxBuilder: ProtocolBuilder = {
  real(d, ctx) {
    const transport = ctx.transport(d.port, CONTROLLERBOX_SERIAL_DEFAULTS);
    const host = new ControllerBoxHost(transport, { currency: d.currency ?? ctx.config.currency });
    return new ControllerBoxDevice({
      id: d.id,
      kind: d.kind,
      simulated: false,
      enable: d.enabled ?? true,
      host,
      release: () => Promise.resolve(),
    });
  },

  simulated(d, ctx) {
    const pair = ctx.memoryPair(d.id);
    const sim = new ControllerBoxSimulator({ statusIntervalMs: 5000, dispenseDelayMs: ctx.fast ? 20 : 150 });
    const detach = sim.attach(pair.simEnd);
    const host = new ControllerBoxHost(pair.hostEnd, {
      currency: d.currency ?? 'VND',
      ...(ctx.fast ? { dispenseConfirmMs: 1000 } : {}),
    });
    return new ControllerBoxDevice({
      id: d.id,
      kind: d.kind,
      simulated: true,
      enable: d.enabled ?? true,
      host,
      sim,
      release: async () => {
        detach();
        sim.close();
        await pair.close();
      },
    });
  },
};
