export * from './core/index.js';
export * from './transport/index.js';
