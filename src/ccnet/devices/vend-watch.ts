/**
 * A card-reader vend between the reader's ACK of VEND REQUEST / REFUND and its result (VEND OK / VEND FAILED). The
 * reader may instead report MALFUNCTION (a card error, a communications error, a reader failure), come back INACTIVE
 * (power cut, reset) or never give a result: then nobody can say whether the card was drawn. The host reports that
 * as an `uncertain` outcome (never a guess, never a resend) and the vend's waiters get UNCERTAIN. DELAYED and BUSY
 * only delay the result.
 */
import { ErrorCode, KioskbusError } from '../../core/errors.js';
import type { CardState } from '../states.js';
import type { UncertainOutcome } from './money.js';

/** States after which a vend in progress has no result the reader can still give. */
const ENDS_IN_DOUBT = new Set(['MALFUNCTION', 'INACTIVE']);
const RESULTS = new Set(['VEND_OK', 'VEND_FAILED']);

export class VendWatch {
  private pending: { command: string; seen: string[] } | undefined;

  constructor(private readonly address: number) {}

  /** A vend the reader acknowledged, waiting for its result. */
  get running(): string | undefined {
    return this.pending?.command;
  }

  begin(command: string): void {
    this.pending = { command, seen: [] };
  }

  /** Every new state of the reader; returns the outcome when the vend ended in doubt. */
  observe(state: CardState): UncertainOutcome | undefined {
    const p = this.pending;
    if (!p) return undefined;
    p.seen.push(state.name);
    if (RESULTS.has(state.name)) this.pending = undefined;
    else if (ENDS_IN_DOUBT.has(state.name)) {
      const kind = state.errorKind ? ` (${state.errorKind})` : '';
      return this.doubt(state, `the reader reported ${state.name}${kind} before the vend's result`);
    }
    return undefined;
  }

  /** No result within the caller's time: the vend is in doubt (undefined when none runs). */
  timeout(state: CardState | undefined, ms: number): UncertainOutcome | undefined {
    if (!this.pending) return undefined;
    return this.doubt(state, `no VEND OK / VEND FAILED within ${ms} ms`);
  }

  /** The reader was set up again (RESET): no vend of ours runs any more. */
  clear(): void {
    this.pending = undefined;
  }

  private doubt(state: CardState | undefined, why: string): UncertainOutcome {
    const p = this.pending ?? { command: 'VEND_REQUEST', seen: [] };
    this.pending = undefined;
    return {
      command: p.command,
      address: this.address,
      tries: [],
      stateAfter: state?.name,
      stateAfterRaw: state?.raw,
      statesSeen: [...p.seen],
      // the reader took the request (ACK) and showed VENDING at most: whether the card was drawn is unknown
      evidence: p.seen.includes('VENDING') ? 'executed' : state ? 'no-sign' : 'no-answer',
      facts: {},
      cause: new KioskbusError(ErrorCode.DeviceError, `${p.command}: ${why}`, {
        address: this.address,
        ...(state ? { raw: state.raw } : {}),
      }),
    };
  }
}
