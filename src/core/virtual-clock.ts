/**
 * A Clock whose time moves only when asked: `advance(ms)` and `runUntil(t)` fire the due timers in order (by due time,
 * then by the order they were set) and let promise jobs settle before each timer and after the last one, so a host
 * and a simulator talking over an in-memory pair (delivery on a microtask, or on this clock's timers with a latency
 * or line pacing) finish each exchange before time moves on. Hours of device time run in seconds.
 *
 * Only code given this clock runs on virtual time: anything on the global timers runs on real time.
 */
import type { Clock, TimerHandle } from './clock.js';

interface VirtualTimer {
  id: number;
  at: number;
  seq: number;
  fn: () => void;
}

export interface VirtualClockOptions {
  /** The time the clock starts at (default 0). */
  startMs?: number;
  /**
   * How many event-loop turns (setImmediate) to let run before each timer and at the end, for promise jobs and I/O
   * callbacks (default 2). Promise chains settle within one turn; more turns help code that hops through
   * setImmediate or real I/O.
   */
  settleTurns?: number;
  /** Stop with an error after this many timers in one run (a timer loop that never lets time move on). */
  maxTimersPerRun?: number;
}

// captured at load, so that test runners' fake timers installed later do not stop the settling
const realSetImmediate = globalThis.setImmediate;

export class VirtualClock implements Clock {
  private time: number;
  private seq = 0;
  private nextId = 1;
  private readonly heap: VirtualTimer[] = [];
  private readonly live = new Map<number, VirtualTimer>();
  private readonly settleTurns: number;
  private readonly maxTimersPerRun: number;
  /** How many timers fired since the clock was made. */
  fired = 0;

  constructor(options: VirtualClockOptions = {}) {
    this.time = options.startMs ?? 0;
    this.settleTurns = options.settleTurns ?? 2;
    this.maxTimersPerRun = options.maxTimersPerRun ?? 10_000_000;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const delayMs = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer: VirtualTimer = { id: this.nextId++, at: this.time + delayMs, seq: this.seq++, fn };
    this.live.set(timer.id, timer);
    this.push(timer);
    // the handle is an opaque token for clearTimeout; Clock types it as the global timer handle
    return { virtualTimerId: timer.id } as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    const id = (handle as unknown as { virtualTimerId?: number } | undefined)?.virtualTimerId;
    if (id !== undefined) this.live.delete(id);
  }

  /** Timers set and not yet fired or cleared. */
  get pending(): number {
    return this.live.size;
  }

  /** When the next timer is due, or undefined when none is set. */
  nextDueAt(): number | undefined {
    this.dropCleared();
    return this.heap[0]?.at;
  }

  /** Lets promise jobs and event-loop callbacks run, without moving time. */
  async settle(turns = this.settleTurns): Promise<void> {
    for (let i = 0; i < turns; i++) {
      await new Promise<void>((resolve) => {
        realSetImmediate(resolve);
      });
    }
  }

  /** Moves time on by `ms`, firing every timer due meanwhile (see runUntil). */
  advance(ms: number): Promise<void> {
    return this.runUntil(this.time + Math.max(0, ms));
  }

  /**
   * Moves time to `t`, firing every timer due at or before it in order, timers set meanwhile included; promise jobs
   * settle before each timer and at the end. Time never goes back: a `t` in the past only settles.
   */
  async runUntil(t: number): Promise<void> {
    let count = 0;
    await this.settle();
    for (;;) {
      this.dropCleared();
      const next = this.heap[0];
      if (!next || next.at > t) break;
      this.pop();
      this.live.delete(next.id);
      if (next.at > this.time) this.time = next.at;
      if (++count > this.maxTimersPerRun) {
        throw new Error(`VirtualClock: more than ${String(this.maxTimersPerRun)} timers before ${String(t)} ms`);
      }
      this.fired++;
      next.fn();
      await this.settle();
    }
    if (t > this.time) this.time = t;
    await this.settle();
  }

  /**
   * Runs timers until `done()` is true (checked after each settle), or until `limitMs` from now; returns whether
   * `done()` became true. Time stops at the timer that made it true.
   */
  async runUntilTrue(done: () => boolean, limitMs: number): Promise<boolean> {
    const end = this.time + limitMs;
    await this.settle();
    while (!done()) {
      const at = this.nextDueAt();
      if (at === undefined || at > end) {
        await this.runUntil(end);
        return done();
      }
      await this.runUntil(at);
    }
    return true;
  }

  private dropCleared(): void {
    while (this.heap.length > 0 && !this.live.has(this.heap[0]?.id ?? -1)) this.pop();
  }

  private before(a: VirtualTimer, b: VirtualTimer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(timer: VirtualTimer): void {
    const h = this.heap;
    h.push(timer);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent];
      if (!p || !this.before(timer, p)) break;
      h[i] = p;
      i = parent;
    }
    h[i] = timer;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (!last || h.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      let best = last;
      const left = h[l];
      const right = h[r];
      if (left && this.before(left, best)) {
        m = l;
        best = left;
      }
      if (right && this.before(right, best)) {
        m = r;
        best = right;
      }
      if (m === i) break;
      h[i] = best;
      i = m;
    }
    h[i] = last;
  }
}
