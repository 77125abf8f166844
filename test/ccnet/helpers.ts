import { vi } from 'vitest';

/** Advances fake time while `p` runs; a rejection is handed to the caller (never unhandled). */
export async function settle<T>(p: Promise<T>, ms = 500): Promise<T> {
  const outcome = p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  await vi.advanceTimersByTimeAsync(ms);
  const r = await outcome;
  if (!r.ok) throw r.error;
  return r.value;
}
