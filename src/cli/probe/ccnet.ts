/** The CCNET probe: IDENTIFICATION at each peripheral address (no RESET, no POLL). */
import { CcnetBus } from '../../ccnet/bus.js';
import type { Identification } from '../../ccnet/codec.js';
import {
  BILL_COMMANDS,
  CARD_COMMANDS,
  COIN_COMMANDS,
  deviceClassOf,
  type CommandDef,
  type DeviceClass,
} from '../../ccnet/commands.js';
import { ErrorCode, isKioskbusError } from '../../core/errors.js';
import type { Transport } from '../../transport/types.js';
import { cancelled, isPortFailure, messageOf } from './shared.js';
import { CCNET_PROBE_ADDRESSES, type CcnetProbedDevice, type ProbeSettings } from './types.js';

/** IDENTIFICATION of the bill validator / B2B (37H) or card reader (15H) layout. */
function identificationCommand(cls: Exclude<DeviceClass, 'coin-changer'>): CommandDef<void, Identification> {
  return cls === 'card-reader' ? CARD_COMMANDS.IDENTIFICATION : BILL_COMMANDS.IDENTIFICATION;
}

export async function probeCcnet(transport: Transport, options: ProbeSettings) {
  const bus = new CcnetBus(transport, {
    responseTimeoutMs: options.timeoutMs,
    slowResponseTimeoutMs: options.timeoutMs,
    maxTries: 2,
  });
  const devices: CcnetProbedDevice[] = [];
  const signal = options.signal;
  try {
    for (const address of CCNET_PROBE_ADDRESSES) {
      if (signal?.aborted) throw cancelled();
      const deviceClass = deviceClassOf(address);
      if (!deviceClass) continue;
      const device: CcnetProbedDevice = { protocol: 'ccnet', address, deviceClass, notes: [] };
      try {
        if (deviceClass === 'coin-changer') {
          device.coinIdentification = await bus.execute(address, COIN_COMMANDS.IDENTIFICATION, undefined, {
            ...(signal ? { signal } : {}),
          });
        } else {
          device.identification = await bus.execute(address, identificationCommand(deviceClass), undefined, {
            ...(signal ? { signal } : {}),
          });
        }
      } catch (error) {
        if (isKioskbusError(error, ErrorCode.Timeout)) continue;
        if (isPortFailure(error)) throw error;
        // ILLEGAL COMMAND, NAK, a bad CRC, an unreadable identification: something answered at this address
        device.notes.push(`IDENTIFICATION: ${messageOf(error)}`);
      }
      devices.push(device);
      options.onDevice?.(device);
    }
  } finally {
    bus.close();
  }
  return devices;
}
