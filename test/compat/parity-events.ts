/** One sample of every eSSP event kind, as a simulator queues it, for the side-by-side parity test. */
import { eventSpecByName, type SspEvent, type SspEventName } from '../../src/essp/events.js';

const EUR = (value: number) => ({ value, currency: 'EUR' });

/**
 * A valid event of that name for a device of that kind at protocol 6 (coin devices carry FRAUD_ATTEMPT as values).
 * Amounts are chosen so that no data byte is an event code the older library knows (it skips unknown bytes).
 */
export function sampleEvent(name: SspEventName, kind: 'validator' | 'coin'): SspEvent {
  const spec = eventSpecByName(name);
  if (!spec) throw new Error(`no event ${name}`);
  const code = spec.code;
  const loose = (e: Record<string, unknown>): SspEvent => ({ name, code, ...e }) as unknown as SspEvent;
  switch (spec.layout) {
    case 'note':
    case 'channel':
      return loose({ channel: 3 });
    case 'values':
      return loose({ values: [EUR(1500)] });
    case 'value7':
    case 'coinCredit':
      return loose({ value: EUR(1000) });
    case 'errorByte':
      return loose({ error: 1 });
    case 'fraud':
      return kind === 'coin' ? loose({ values: [EUR(200)] }) : loose({ channel: 2 });
    case 'incomplete':
      return loose({ items: [{ paid: 500, requested: 1000, currency: 'EUR' }] });
    case 'errorDuringPayout':
      return loose({ values: [EUR(1000)], error: 1, reason: '' });
    case 'coinRejected':
      return loose({ amount: 1, currency: 'EUR' });
    default:
      return loose({});
  }
}
