/**
 * The compact fault spec of the command line (`kioskbus simulate ... --faults SPEC`), read into FaultTransport options:
 * `corrupt=0.01,drop=0.001,insert=0.001,split=0.2,dark=20ms-30s@0.001,seed=7`.
 */
import { ErrorCode, KioskbusError } from '../core/errors.js';
import type { DirectionFaults, FaultDirection, FaultOptions, MsRange, OutageFaults } from './faults.js';

function specError(spec: string, message: string, item?: string): KioskbusError {
  return new KioskbusError(ErrorCode.InvalidArgument, `fault spec "${spec}": ${message}`, { spec, item });
}

/** `20ms`, `1.5s`, `2m` or a bare number of ms. */
function parseDuration(spec: string, item: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) throw specError(spec, `"${text}" is not a duration (e.g. 20ms, 1.5s, 2m)`, item);
  const scale = match[2] === 's' ? 1000 : match[2] === 'm' ? 60_000 : 1;
  return Math.round(Number(match[1]) * scale);
}

/** `20ms-30s` or one duration. */
function parseRange(spec: string, item: string, text: string): MsRange {
  const parts = text.split('-');
  if (parts.length > 2) throw specError(spec, `"${text}" is not a range (e.g. 20ms-30s)`, item);
  const minMs = parseDuration(spec, item, parts[0] ?? '');
  const maxMs = parts[1] === undefined ? minMs : parseDuration(spec, item, parts[1]);
  if (maxMs < minMs) throw specError(spec, `range "${text}" ends before it starts`, item);
  return { minMs, maxMs };
}

/** `0.01` or `1%`, within [0, 1]. */
function parseProbability(spec: string, item: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?(?:e-?\d+)?)(%?)$/i.exec(text.trim());
  const value = match ? Number(match[1]) / (match[2] ? 100 : 1) : NaN;
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw specError(spec, `"${text}" is not a probability between 0 and 1 (or 0% and 100%)`, item);
  }
  return value;
}

/** `20ms-30s@0.001`. */
function parseOutage(spec: string, item: string, text: string): OutageFaults {
  const at = text.lastIndexOf('@');
  if (at < 0) throw specError(spec, `"${text}" needs a probability per byte (e.g. 20ms-30s@0.001)`, item);
  return {
    ...parseRange(spec, item, text.slice(0, at)),
    probability: parseProbability(spec, item, text.slice(at + 1)),
  };
}

const PROBABILITY_KEYS = ['corrupt', 'drop', 'insert', 'split', 'merge'] as const;

/**
 * Reads a compact fault spec: comma-separated `key=value` items. Keys (for both directions, or one with the prefix
 * `h2d.` host→device / `d2h.` device→host): `corrupt`, `drop`, `insert` (per byte), `split`, `merge` (per chunk) —
 * probabilities as `0.01` or `1%`; `delay=0-20ms`; `mergehold=5ms`; `dark=20ms-30s@0.001` (per byte). Link-wide:
 * `unplug=1s-10s@0.00001`, `seed=7`, `reopen` (reopen by itself after a replug). `none` or an empty text means no
 * faults. A bad spec is a typed INVALID_ARGUMENT naming the item.
 */
export function parseFaultSpec(text: string): FaultOptions {
  const spec = text.trim();
  const options: FaultOptions = {};
  if (spec === '' || spec === 'none') return options;
  const seen = new Set<string>();
  for (const raw of spec.split(',')) {
    const item = raw.trim();
    if (item === '') throw specError(spec, 'empty item');
    const eq = item.indexOf('=');
    const fullKey = (eq < 0 ? item : item.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? undefined : item.slice(eq + 1).trim();
    if (seen.has(fullKey)) throw specError(spec, `"${fullKey}" is given twice`, item);
    seen.add(fullKey);
    if (fullKey === 'reopen') {
      if (value !== undefined) throw specError(spec, '"reopen" takes no value', item);
      options.reopenOnReplug = true;
      continue;
    }
    if (value === undefined || value === '') throw specError(spec, `"${fullKey}" needs a value`, item);
    if (fullKey === 'seed') {
      if (!/^\d+$/.test(value) || Number(value) > 0xffffffff) {
        throw specError(spec, `seed must be a whole number from 0 to 4294967295, got "${value}"`, item);
      }
      options.seed = Number(value);
      continue;
    }
    if (fullKey === 'unplug') {
      options.unplug = parseOutage(spec, item, value);
      continue;
    }
    const dot = fullKey.indexOf('.');
    const prefix = dot < 0 ? '' : fullKey.slice(0, dot);
    const key = dot < 0 ? fullKey : fullKey.slice(dot + 1);
    const directions: FaultDirection[] =
      prefix === '' ? ['toDevice', 'toHost'] : prefix === 'h2d' ? ['toDevice'] : prefix === 'd2h' ? ['toHost'] : [];
    if (directions.length === 0) throw specError(spec, `unknown direction "${prefix}" (h2d or d2h)`, item);
    let patch: DirectionFaults;
    if ((PROBABILITY_KEYS as readonly string[]).includes(key)) {
      patch = { [key]: parseProbability(spec, item, value) };
    } else if (key === 'delay') {
      patch = { delay: parseRange(spec, item, value) };
    } else if (key === 'mergehold') {
      patch = { mergeHoldMs: parseDuration(spec, item, value) };
    } else if (key === 'dark') {
      patch = { dark: parseOutage(spec, item, value) };
    } else {
      throw specError(
        spec,
        `unknown fault "${key}" (corrupt, drop, insert, split, merge, mergehold, delay, dark, unplug, seed, reopen)`,
        item,
      );
    }
    for (const direction of directions) options[direction] = { ...options[direction], ...patch };
  }
  return options;
}
