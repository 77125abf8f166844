export * from './frame.js';
export * from './crypto.js';
