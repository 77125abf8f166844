/** `probePort`: each protocol in turn, with its own line settings, on a port opened and closed for it. */
import { CCNET_SERIAL_DEFAULTS } from '../../ccnet/line.js';
import { CONTROLLERBOX_SERIAL_DEFAULTS } from '../../controllerbox/host.js';
import { ErrorCode, isKioskbusError, KioskbusError, toKioskbusError } from '../../core/errors.js';
import { ESSP_SERIAL_DEFAULTS } from '../../essp/line.js';
import { createTransport, type SerialDefaults } from '../../transport/open.js';
import type { Transport } from '../../transport/types.js';
import { probeCcnet } from './ccnet.js';
import { probeControllerBox } from './controllerbox.js';
import { probeEssp } from './essp.js';
import { cancelled, causeText, hex2, isPortFailure, openPort } from './shared.js';
import {
  CCNET_PROBE_ADDRESSES,
  DEFAULT_PROBE_TIMEOUT_MS,
  ESSP_PROBE_ADDRESSES,
  PROBE_PROTOCOLS,
  type ProbedDevice,
  type ProbeOptions,
  type ProbeProtocol,
  type ProbeSettings,
  type ProtocolProbeResult,
} from './types.js';

const SERIAL_DEFAULTS: Record<ProbeProtocol, SerialDefaults> = {
  essp: ESSP_SERIAL_DEFAULTS,
  ccnet: CCNET_SERIAL_DEFAULTS,
  controllerbox: CONTROLLERBOX_SERIAL_DEFAULTS,
};

/** Opens the port with the protocol's settings, probes, and always closes it again. */
async function probeProtocol(
  protocol: ProbeProtocol,
  transport: Transport,
  target: string,
  settings: ProbeSettings,
): Promise<ProbedDevice[]> {
  // I/O errors also surface as failed requests; without a listener an 'error' event would crash the process
  const onError = (): void => undefined;
  transport.on('error', onError);
  try {
    await openPort(transport, target);
    switch (protocol) {
      case 'essp':
        return await probeEssp(transport, settings);
      case 'ccnet':
        return await probeCcnet(transport, settings);
      case 'controllerbox':
        return await probeControllerBox(transport, settings);
    }
  } finally {
    await transport.close().catch(() => undefined);
    transport.off('error', onError);
  }
}

/**
 * Probes `target` (a serial path, `serial://...` or `tcp://host:port`) for each protocol in turn and resolves with
 * what answered. Rejects with TRANSPORT_ERROR when the port cannot be opened (or fails while probing), with
 * UNSUPPORTED_URL / INVALID_ARGUMENT for a bad target, CANCELLED when `signal` aborts. Each protocol opens and
 * closes the port itself; nothing stays open afterwards.
 */
export async function probePort(target: string, options: ProbeOptions = {}): Promise<ProtocolProbeResult[]> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
    throw new KioskbusError(ErrorCode.InvalidArgument, `timeout must be a positive integer (ms), got ${timeoutMs}`);
  }
  const esspAddresses = options.esspAddresses ?? ESSP_PROBE_ADDRESSES;
  for (const a of esspAddresses) {
    if (!Number.isInteger(a) || a < 0 || a > 0x7d) {
      throw new KioskbusError(ErrorCode.InvalidArgument, `eSSP address must be 0..0x7D, got ${a}`);
    }
  }
  const make = options.createTransport ?? createTransport;
  const results: ProtocolProbeResult[] = [];
  for (const protocol of options.protocols ?? PROBE_PROTOCOLS) {
    const asked =
      protocol === 'essp'
        ? `addresses ${esspAddresses.map(hex2).join(', ')}`
        : protocol === 'ccnet'
          ? `addresses ${CCNET_PROBE_ADDRESSES.map(hex2).join(', ')}`
          : 'REQUEST_VERSION';
    let devices: ProbedDevice[] | undefined;
    for (let attempt = 1; devices === undefined; attempt++) {
      if (options.signal?.aborted) throw cancelled();
      let reported = 0;
      const settings = {
        ...options,
        timeoutMs,
        esspAddresses,
        onDevice: (device: ProbedDevice): void => {
          reported++;
          options.onDevice?.(device);
        },
      };
      const transport = make(target, SERIAL_DEFAULTS[protocol]); // a bad target throws here, as it is
      try {
        devices = await probeProtocol(protocol, transport, target, settings);
      } catch (error) {
        if (options.signal?.aborted) throw cancelled();
        if (isKioskbusError(error) && error.context.opening === true) throw error;
        // A port that drops the connection at once (a TCP serial server still busy with our previous connection,
        // a USB adapter resetting) is tried once more, unless devices were already reported (no duplicates).
        if (attempt === 1 && reported === 0 && isPortFailure(error) && !isKioskbusError(error, ErrorCode.Cancelled)) {
          continue;
        }
        const cause = toKioskbusError(error, ErrorCode.TransportError);
        throw new KioskbusError(
          ErrorCode.TransportError,
          `${protocol} probe of ${target} failed: ${causeText(cause)}`,
          { target, protocol, cause: cause.code },
          { cause },
        );
      }
    }
    const result: ProtocolProbeResult = { protocol, devices, asked };
    results.push(result);
    options.onProtocol?.(result);
  }
  return results;
}
