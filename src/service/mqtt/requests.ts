/**
 * Requests that arrive over MQTT: `{"transaction": "...", "ts": <epoch ms>, ...arguments}`. QoS 1 delivers at least once
 * and a persistent session may hold a request for hours, so every request names its transaction (the service journals
 * payouts by it: a redelivered payout returns the stored result) and carries its time (an old request is refused rather
 * than run late).
 */
export interface BridgeRequest {
  transaction: string;
  ts: number;
  args: Record<string, unknown>;
}

export interface RequestError {
  code: string;
  message: string;
}

export interface BridgeResponse {
  transaction: string | null;
  ok: boolean;
  result?: unknown;
  error?: RequestError;
}

export type ParsedRequest =
  { ok: true; request: BridgeRequest } | { ok: false; transaction: string | null; error: RequestError };

const MAX_TRANSACTION_LENGTH = 128;

/** Parses and checks a request payload; `now` and `maxAgeMs` decide whether it is too old to run. */
export function parseRequest(payload: Uint8Array, now: number, maxAgeMs: number): ParsedRequest {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    return refuse(null, 'BAD_REQUEST', 'the payload is not JSON: send {"transaction": "...", "ts": <epoch ms>, ...}');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return refuse(null, 'BAD_REQUEST', 'the payload must be a JSON object with "transaction" and "ts"');
  }
  const { transaction, ts, ...args } = value as Record<string, unknown>;
  if (typeof transaction !== 'string' || transaction.length === 0 || transaction.length > MAX_TRANSACTION_LENGTH) {
    return refuse(null, 'BAD_REQUEST', `"transaction" must be a string of 1-${MAX_TRANSACTION_LENGTH} characters`);
  }
  if (typeof ts !== 'number' || !Number.isFinite(ts)) {
    return refuse(transaction, 'BAD_REQUEST', '"ts" must be the request time in epoch milliseconds');
  }
  const age = now - ts;
  if (age > maxAgeMs) {
    return refuse(
      transaction,
      'EXPIRED',
      `the request is ${Math.round(age / 1000)} s old (limit ${Math.round(maxAgeMs / 1000)} s): not run`,
    );
  }
  return { ok: true, request: { transaction, ts, args } };
}

function refuse(transaction: string | null, code: string, message: string): ParsedRequest {
  return { ok: false, transaction, error: { code, message } };
}
