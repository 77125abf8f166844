/**
 * `messages`: the ControllerBox message table and everything about it, in files of one job each:
 * payloads.ts (payload types, codec options), codec.ts (the entry shape and field codecs), message-entries.ts (one
 * entry per command, status and event: MESSAGES), message-table.ts (MessageTable: id map, legacy status id, dispatch),
 * codes.ts (result, status and error code tables).
 */
export * from './payloads.js';
export * from './codes.js';
export type { AnyMessageCodec, MessageCodec } from './codec.js';
export * from './message-entries.js';
export * from './message-table.js';
