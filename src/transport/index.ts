export * from './fault-spec.js';
export * from './faults.js';
export * from './memory.js';
export * from './open.js';
export * from './paced.js';
export * from './pty.js';
export * from './serial.js';
export * from './tcp.js';
export type * from './types.js';
