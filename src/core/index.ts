export * from './accumulator.js';
export * from './bytes.js';
export * from './clock.js';
export * from './crc.js';
export * from './errors.js';
export * from './log.js';
export * from './money.js';
export * from './queue.js';
