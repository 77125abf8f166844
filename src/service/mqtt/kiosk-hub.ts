/**
 * The service seen through the bridge's small `FleetHub` interface: devices and alerts as the service reports them,
 * journal records flattened for consumers (`{seq, ts, type, device, amount, currency, ...}`), changes from the service's
 * message stream, and operations run through the service (so a payout is journalled by transaction before it runs).
 */
import { ErrorCode, KioskbusError } from '../../core/errors.js';
import type { JournalRecord } from '../../journal/types.js';
import type { KioskService } from '../kiosk.js';
import type { FleetAlert, FleetDevice, FleetHub, FleetRecord, HubChange } from './hub.js';

/** A journal record as consumers read it: the body's fields at the top, a device event's own type as `event`. */
export function flattenRecord(record: JournalRecord): FleetRecord {
  const { type: inner, ...body } = record.body;
  return {
    ...body,
    ...(inner !== undefined ? { event: inner } : {}),
    seq: record.seq,
    ts: record.ts,
    type: record.type,
    ...(typeof body.device === 'string' ? { device: body.device } : {}),
  };
}

export function kioskHub(service: KioskService): FleetHub {
  return {
    devices(): FleetDevice[] {
      return service.list().map((view) => ({ ...view }));
    },
    alerts(): FleetAlert[] {
      return service.alertList().map((alert) => ({ ...alert }));
    },
    journalSince(after: number, limit: number): Promise<FleetRecord[]> {
      return Promise.resolve(service.journalSince(after, limit).map(flattenRecord));
    },
    lastSeq(): number {
      return service.journal.lastSeq;
    },
    subscribe(listener: (change: HubChange) => void): () => void {
      return service.subscribe((message) => {
        switch (message.type) {
          case 'state':
            listener({ kind: 'device', device: message.device });
            return;
          case 'alert':
            listener({ kind: 'alerts' });
            listener({ kind: 'journal', seq: message.seq });
            return;
          default:
            listener({ kind: 'journal', seq: message.seq });
        }
      });
    },
    async run(operation, device, args, transaction): Promise<unknown> {
      switch (operation) {
        case 'enable':
        case 'disable':
        case 'enable_all':
        case 'disable_all': {
          const on = operation.startsWith('enable');
          const views = await service.setEnabled(device, on);
          return { devices: views.map((v) => ({ id: v.id, state: v.state, enabled: v.enabled })) };
        }
        case 'payout': {
          if (device === undefined) throw new KioskbusError(ErrorCode.InvalidArgument, 'a payout names its device');
          const { amount, currency } = args;
          if (typeof amount !== 'number' || typeof currency !== 'string') {
            throw new KioskbusError(
              ErrorCode.InvalidArgument,
              'a payout needs "amount" (integer minor units) and "currency" (ISO 4217), e.g. {"amount": 500, "currency": "EUR"}',
            );
          }
          return service.payout(device, { amount, currency }, transaction);
        }
        case 'reset_counts':
          if (device === undefined) throw new KioskbusError(ErrorCode.InvalidArgument, 'reset_counts names its device');
          return service.resetCounts(device);
        default:
          throw new KioskbusError(ErrorCode.UnknownCommand, `the service does not run '${operation}'`);
      }
    },
  };
}
