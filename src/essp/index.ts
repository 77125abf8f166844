export * from './frame.js';
export * from './crypto.js';
export * from './link.js';
export * from './bus.js';
export * from './simulator/index.js';
