/** The eSSP probe: SYNC at each usual address, then what can be read without side effects. */
import { ErrorCode, isKioskbusError } from '../../core/errors.js';
import { SspBus } from '../../essp/bus.js';
import { COMMANDS, type CommandSpec } from '../../essp/commands.js';
import { formatFirmware, type SetupRequestResult } from '../../essp/decoders.js';
import { genericName, SspGeneric } from '../../essp/generic.js';
import { unitTypeName } from '../../essp/tables/context.js';
import type { Transport } from '../../transport/types.js';
import { cancelled, isPortFailure, messageOf } from './shared.js';
import { ESSP_PROBE_ADDRESSES, type EsspProbedDevice, type ProbeOptions, type ProbeSettings } from './types.js';

export async function probeEssp(transport: Transport, options: ProbeSettings) {
  const bus = new SspBus(transport, { timeoutMs: options.timeoutMs, retries: 1, offlineRetries: 1, autoSync: false });
  const devices: EsspProbedDevice[] = [];
  const signal = options.signal;
  try {
    for (const address of options.esspAddresses ?? ESSP_PROBE_ADDRESSES) {
      if (signal?.aborted) throw cancelled();
      const device: EsspProbedDevice = {
        protocol: 'essp',
        address,
        encryptionRequired: false,
        encrypted: false,
        notes: [],
      };
      try {
        await bus.sync(address, signal ? { signal } : {});
      } catch (error) {
        if (isKioskbusError(error, ErrorCode.Timeout)) continue;
        if (isPortFailure(error)) throw error;
        // any answer, even a refusal, means a device is there
        device.notes.push(`SYNC: ${messageOf(error)}`);
      }
      await readEssp(bus, device, options);
      devices.push(device);
      options.onDevice?.(device);
    }
  } finally {
    await bus.close();
  }
  return devices;
}

type EsspRead<R> = { ok: true; value: R } | { ok: false; keyNotSet: boolean; timedOut?: boolean };

async function readEssp(bus: SspBus, device: EsspProbedDevice, options: ProbeOptions): Promise<void> {
  const address = device.address;
  const signal = options.signal;
  const read = async <R>(spec: CommandSpec<never, R>): Promise<EsspRead<R>> => {
    let reply: Uint8Array | undefined;
    try {
      // The commands read here take no arguments.
      const value = await bus.execute(address, spec, undefined as never, {
        encrypt: device.encrypted,
        onReply: (r) => {
          reply = r;
        },
        ...(signal ? { signal } : {}),
      });
      return { ok: true, value };
    } catch (error) {
      if (reply === undefined) {
        if (isPortFailure(error)) throw error;
        const timedOut = isKioskbusError(error, ErrorCode.Timeout);
        device.notes.push(`${spec.name}: ${timedOut ? 'no reply' : messageOf(error)}`);
        return { ok: false, keyNotSet: false, timedOut };
      }
      const generic = reply[0] ?? 0;
      if (generic === (SspGeneric.KeyNotSet as number)) {
        device.encryptionRequired = true;
        return { ok: false, keyNotSet: true };
      }
      if (generic !== (SspGeneric.Ok as number)) {
        device.notes.push(
          `${spec.name}: ${generic === (SspGeneric.UnknownCommand as number) ? 'not supported' : genericName(generic)}`,
        );
        return { ok: false, keyNotSet: false };
      }
      device.notes.push(`${spec.name}: unreadable reply (${messageOf(error)})`);
      return { ok: false, keyNotSet: false };
    }
  };

  const setupSpec = COMMANDS.SETUP_REQUEST as CommandSpec<never, SetupRequestResult>;
  let setup = await read(setupSpec);
  if (!setup.ok && setup.keyNotSet && options.fixedKey !== undefined) {
    try {
      await bus.negotiateKey(address, options.fixedKey, signal ? { signal } : {});
    } catch (error) {
      if (isPortFailure(error)) throw error;
      device.notes.push(`key exchange: ${isKioskbusError(error, ErrorCode.Timeout) ? 'no reply' : messageOf(error)}`);
      return;
    }
    device.encrypted = true;
    setup = await read(setupSpec);
    if (!setup.ok && setup.timedOut === true) {
      // the device drops packets it cannot decrypt: the key halves do not match
      device.encrypted = false;
      device.notes.pop();
      device.notes.push('no reply to encrypted commands after the key exchange (wrong fixed key?)');
      return;
    }
  }
  if (setup.ok) applySetup(device, setup.value);
  const serial = await read(COMMANDS.GET_SERIAL_NUMBER as CommandSpec<never, { serialNumber: number }>);
  if (serial.ok) device.serialNumber = serial.value.serialNumber;
  if (device.encryptionRequired && !device.encrypted) return; // the version texts would be refused as well
  const firmware = await read(COMMANDS.GET_FIRMWARE_VERSION as CommandSpec<never, { version: string }>);
  if (firmware.ok) device.firmwareVersion = firmware.value.version;
  const dataset = await read(COMMANDS.GET_DATASET_VERSION as CommandSpec<never, { version: string }>);
  if (dataset.ok) device.datasetVersion = dataset.value.version;
}

function applySetup(device: EsspProbedDevice, setup: SetupRequestResult): void {
  device.unitType = setup.unitType;
  device.unitTypeName = unitTypeName(setup.unitType);
  device.firmware = formatFirmware(setup.firmware);
  if (setup.kind === 'validator' || setup.kind === 'coin') device.country = setup.currency;
  if (setup.kind !== 'unknown') device.protocolVersion = setup.protocolVersion;
  if (setup.channels.length > 0) device.channels = setup.channels;
}
