/**
 * What a POLL / POLL_WITH_ACK reply of a simulated eSSP device carries: the behaviours' status events (re-reported
 * while they last), DISABLED while disabled, then the queued one-shot events, as many as fit the frame. The reply
 * itself is written by the table's POLL reply encoder.
 */
import type { SspContext } from '../commands.js';
import { encodeEvent, eventSpecByName, type SspEvent } from '../events.js';
import type { SimBehaviour } from './behaviour.js';
import type { EventQueue, SimEvent } from './event-queue.js';

/** Events that carry credit information: on a keyed link a reply holding one is always encrypted (GA138). */
export const CREDIT_EVENTS: ReadonlySet<string> = new Set([
  'CREDIT_NOTE',
  'NOTE_CLEARED_TO_CASHBOX',
  'COIN_CREDIT',
  'VALUE_ADDED',
  'BAR_CODE_TICKET_ACKNOWLEDGE',
]);

/** Maps a SimEvent to the tables' SspEvent shape for encodeEvent. */
function toSspEvent(event: SimEvent): SspEvent {
  if (event.event) return event.event;
  const spec = eventSpecByName(event.name);
  const code = spec?.code ?? 0;
  // The name/channel pair is one of the table's shapes (simple or channel events); the table validates it.
  return (
    event.channel === undefined ? { name: event.name, code } : { name: event.name, code, channel: event.channel }
  ) as SspEvent;
}

/** Collects the events of one new poll (`maxBytes`: room for event data in the reply). */
export function collectPoll(
  behaviours: readonly SimBehaviour[],
  queue: EventQueue,
  disabled: boolean,
  mode: 'poll' | 'pollWithAck',
  ctx: SspContext,
  maxBytes: number,
): SspEvent[] {
  for (const b of behaviours) b.beforePoll?.();
  const status: SimEvent[] = [];
  for (const b of behaviours) status.push(...(b.statusEvents?.() ?? []));
  if (disabled) status.push({ name: 'DISABLED' });
  const taken = queue.take(mode, status, (e) => encodeEvent(toSspEvent(e), ctx), maxBytes);
  for (const b of behaviours) b.afterPoll?.(taken.events);
  return taken.events.map(toSspEvent);
}
