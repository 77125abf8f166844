/** The ControllerBox of the service: one host per UART, or a simulator on an in-memory pair. */
import { ControllerBoxHost, CONTROLLERBOX_SERIAL_DEFAULTS } from '../controllerbox/index.js';
import { ControllerBoxSimulator } from '../controllerbox/simulator/index.js';
import { adapterBase, simulatorOnPair, type ProtocolBuilder } from './build-shared.js';
import { ControllerBoxDevice } from './devices/controllerbox.js';

export const controllerboxBuilder: ProtocolBuilder = {
  real(d, ctx) {
    const transport = ctx.transport(d.port, CONTROLLERBOX_SERIAL_DEFAULTS);
    const host = new ControllerBoxHost(transport, { currency: d.currency ?? ctx.config.currency });
    return new ControllerBoxDevice({ ...adapterBase(d, false, () => Promise.resolve()), host });
  },

  simulated(d, ctx) {
    const sim = new ControllerBoxSimulator({ statusIntervalMs: 5000, dispenseDelayMs: ctx.fast ? 20 : 150 });
    const link = simulatorOnPair(ctx, d.id, sim);
    const host = new ControllerBoxHost(link.hostEnd, {
      currency: d.currency ?? 'VND',
      ...(ctx.fast ? { dispenseConfirmMs: 1000 } : {}),
    });
    return new ControllerBoxDevice({ ...adapterBase(d, true, link.release()), host, sim });
  },
};
