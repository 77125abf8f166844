/** The ControllerBox probe: REQUEST_VERSION with automatic CRC detection; the box's reports left unanswered. */
import { crcVariantName } from '../../controllerbox/frame.js';
import { ControllerBoxHost } from '../../controllerbox/host.js';
import { ErrorCode, isKioskbusError } from '../../core/errors.js';
import type { Transport } from '../../transport/types.js';
import { cancelled, isPortFailure, messageOf } from './shared.js';
import type { ControllerBoxProbedDevice, ProbeSettings } from './types.js';

export async function probeControllerBox(
  transport: Transport,
  options: ProbeSettings,
): Promise<ControllerBoxProbedDevice[]> {
  // ackEvents off: answering a BILL_ACCEPTED report would confirm a bill the kiosk application never saw
  const host = new ControllerBoxHost(transport, { crc: 'auto', timeoutMs: options.timeoutMs, ackEvents: false });
  host.on('error', () => undefined);
  const onAbort = (): void => void host.close();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const device: ControllerBoxProbedDevice = { protocol: 'controllerbox', notes: [] };
  let answered = false;
  try {
    for (let attempt = 1; attempt <= 2 && !answered; attempt++) {
      if (options.signal?.aborted) throw cancelled();
      try {
        const version = await host.version();
        device.firmware = `${version.firmware.major}.${version.firmware.minor}.${version.firmware.patch}`;
        device.board = `${version.board.major}.${version.board.minor}.${version.board.patch}`;
        answered = true;
      } catch (error) {
        if (options.signal?.aborted) throw cancelled();
        if (isKioskbusError(error, ErrorCode.Timeout)) continue;
        if (isPortFailure(error)) throw error;
        device.notes.push(`REQUEST_VERSION: ${messageOf(error)}`);
        answered = true;
      }
    }
    if (!answered && host.stats.frames > 0) {
      // a box with status reports on sends frames by itself even if it ignores us
      device.notes.push(`REQUEST_VERSION: no answer, but ${host.stats.frames} ControllerBox frame(s) received`);
      answered = true;
    }
    const variant = host.crcVariant;
    if (variant) device.crc = crcVariantName(variant);
    else if (answered) device.notes.push('CRC variant not determined by the frames received');
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await host.close();
  }
  if (!answered) return [];
  options.onDevice?.(device);
  return [device];
}

// ------------------------------------------------------------------------------------------------
