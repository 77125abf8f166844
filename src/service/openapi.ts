/**
 * The OpenAPI 3.1 description of `kioskbus serve`, served at /api/openapi.json without a token (it holds no secret).
 * WebSocket messages are described as schemas (`WsServerMessage`, `WsClientMessage`) and under `x-websocket`.
 */
import { ALERT_CODES } from './alerts.js';
import { DEVICE_KINDS, SIM_ACTIONS } from './devices/types.js';

const ref = (name: string): { $ref: string } => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown, example?: unknown): Record<string, unknown> => ({
  'application/json': { schema, ...(example !== undefined ? { example } : {}) },
});
const ok = (schema: unknown, description = 'OK'): Record<string, unknown> => ({ description, content: json(schema) });
const errors = {
  '400': {
    description: 'the request is wrong (the message says which field and how to fix it)',
    content: json(ref('Error')),
  },
  '401': { description: 'no or wrong `Authorization: Bearer <token>`', content: json(ref('Error')) },
};
const deviceId = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[A-Za-z0-9_-]+$' },
  example: 'payout-0',
};
const transaction = {
  name: 'transaction',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  example: 'order-1042',
};
const EUR = (amount: number): { amount: number; currency: string } => ({ amount, currency: 'EUR' });
/** The caller's id of a money-moving request (`what`: payout, vend, card). */
const transactionId = (what: string): Record<string, unknown> => ({
  type: 'string',
  pattern: '^[\\x21-\\x7e]{1,128}$',
  description: `Your id for this ${what}: the same on a retry (the stored outcome comes back), new for each ${what}.`,
});
/** The body of a money-moving request: the device (`device` says which), the amount, the caller's id, `more`. */
const moneyRequest = (
  what: string,
  device: string,
  example: Record<string, unknown>,
  more: Record<string, unknown> = {},
): Record<string, unknown> => ({
  type: 'object',
  required: ['device', 'amount', 'transaction'],
  properties: {
    device: { type: 'string', description: device },
    amount: ref('Money'),
    transaction: transactionId(what),
    ...more,
  },
  example,
});
/** What every stored outcome has besides its own fields. */
const STORED = {
  reason: { type: 'string' },
  code: { type: 'string' },
  seq: { type: 'integer', description: 'journal seq of the outcome' },
  replayed: { type: 'boolean', description: 'true: the stored outcome of an earlier request; nothing moved now' },
};
/** An object whose `key` lists `items` (`{ devices: [...] }`). */
const listOf = (key: string, items: unknown): Record<string, unknown> => ({
  type: 'object',
  properties: { [key]: { type: 'array', items } },
});

const schemas = {
  Money: {
    type: 'object',
    description: 'Integer minor units and an ISO 4217 code; never a float.',
    required: ['amount', 'currency'],
    properties: { amount: { type: 'integer', minimum: 0 }, currency: { type: 'string', pattern: '^[A-Z]{3}$' } },
    example: EUR(1000),
  },
  Level: {
    type: 'object',
    required: ['value', 'count'],
    properties: { value: ref('Money'), count: { type: 'integer' }, capacity: { type: 'integer' } },
  },
  Alert: {
    type: 'object',
    required: ['device', 'code', 'since'],
    properties: {
      device: { type: 'string' },
      code: { type: 'string', enum: [...ALERT_CODES] },
      since: { type: 'integer', description: 'ms since the epoch' },
      detail: { type: 'object' },
    },
  },
  Device: {
    type: 'object',
    required: ['id', 'protocol', 'kind', 'simulated', 'state', 'online', 'enabled', 'canPayout', 'actions', 'alerts'],
    properties: {
      id: { type: 'string' },
      protocol: { type: 'string', enum: ['essp', 'ccnet', 'controllerbox'] },
      kind: { type: 'string', enum: [...DEVICE_KINDS] },
      model: { type: 'string' },
      simulated: { type: 'boolean' },
      state: { type: 'string', enum: ['starting', 'ready', 'disabled', 'busy', 'offline', 'failed', 'stopped'] },
      online: { type: 'boolean' },
      enabled: { type: 'boolean' },
      jammed: { type: 'boolean' },
      error: { type: 'string' },
      canPayout: { type: 'boolean' },
      canVend: { type: 'boolean', description: 'a card reader that charges cards (POST /api/vends)' },
      dispensers: {
        type: 'array',
        items: { type: 'integer' },
        description: 'card dispensers (ControllerBox TCDs) for POST /api/cards/dispense',
      },
      currency: { type: 'string' },
      accepts: { type: 'array', items: ref('Money') },
      levels: { type: 'array', items: ref('Level') },
      cashbox: {
        type: 'object',
        properties: { present: { type: 'boolean' }, count: { type: 'integer' }, capacity: { type: 'integer' } },
      },
      actions: { type: 'array', items: { type: 'string', enum: [...SIM_ACTIONS] } },
      alerts: { type: 'array', items: ref('Alert') },
    },
  },
  PayoutRequest: moneyRequest('payout', 'a device with canPayout', {
    device: 'payout-0',
    amount: EUR(1500),
    transaction: 'order-1042',
  }),
  PayoutOutcome: {
    type: 'object',
    required: ['op', 'transaction', 'device', 'status', 'requested', 'paid', 'seq', 'replayed'],
    description: 'the outcome of a payout, or of a vend (then paid is what the card was charged)',
    properties: {
      op: { type: 'string', enum: ['payout', 'vend'] },
      transaction: { type: 'string' },
      device: { type: 'string' },
      status: {
        type: 'string',
        enum: ['paid', 'refused', 'uncertain'],
        description: 'refused: nothing moved (reason says why); uncertain: the result is in doubt, count the device',
      },
      requested: ref('Money'),
      paid: ref('Money'),
      ...STORED,
    },
  },
  VendRequest: moneyRequest(
    'vend',
    'a card reader (canVend)',
    { device: 'card-0', amount: EUR(350), transaction: 'order-1043', waitMs: 30000 },
    { waitMs: { type: 'integer', minimum: 0, description: 'how long to wait for a card (default 30000)' } },
  ),
  CardDispenseRequest: {
    type: 'object',
    required: ['device', 'tcd', 'transaction'],
    properties: {
      device: { type: 'string', description: 'a device with dispensers' },
      tcd: { type: 'integer', minimum: 0, description: "the dispenser (one of the device's dispensers)" },
      transaction: transactionId('card'),
    },
    example: { device: 'box-0', tcd: 0, transaction: 'card-2001' },
  },
  CardOutcome: {
    type: 'object',
    required: ['op', 'transaction', 'device', 'status', 'tcd', 'seq', 'replayed'],
    properties: {
      op: { type: 'string', enum: ['dispense_card'] },
      transaction: { type: 'string' },
      device: { type: 'string' },
      status: {
        type: 'string',
        enum: ['dispensed', 'refused', 'uncertain'],
        description: 'uncertain: the answer was lost and no card event proved the card left; check the dispenser',
      },
      tcd: { type: 'integer' },
      ...STORED,
    },
  },
  Credit: {
    type: 'object',
    required: ['seq', 'ts', 'device', 'value'],
    properties: { seq: { type: 'integer' }, ts: { type: 'integer' }, device: { type: 'string' }, value: ref('Money') },
  },
  JournalRecord: {
    type: 'object',
    required: ['seq', 'ts', 'type', 'body'],
    properties: {
      seq: { type: 'integer' },
      ts: { type: 'integer' },
      type: {
        type: 'string',
        enum: [
          'credit',
          'ack',
          'payout_request',
          'payout_result',
          'vend_request',
          'vend_result',
          'dispense_request',
          'dispense_result',
          'uncertain',
          'event',
          'alert',
          'compacted',
          'retention_overflow',
        ],
      },
      body: { type: 'object' },
    },
  },
  SimulateRequest: {
    type: 'object',
    required: ['action'],
    properties: {
      action: { type: 'string', enum: [...SIM_ACTIONS] },
      value: { ...ref('Money'), description: 'insert: the note or coin by value; tap: the card balance' },
    },
    example: { action: 'insert', value: EUR(2000) },
  },
  AckRequest: {
    type: 'object',
    required: ['seqs'],
    properties: { seqs: { type: 'array', items: { type: 'integer' } } },
    example: { seqs: [12, 13] },
  },
  ResolveRequest: {
    type: 'object',
    description: 'paid for a payout or vend, dispensed for a card',
    properties: {
      paid: { ...ref('Money'), description: 'what an operator counted as paid (payout) or charged (vend)' },
      dispensed: { type: 'boolean', description: 'whether the card left the dispenser' },
    },
    example: { paid: EUR(500) },
  },
  Error: {
    type: 'object',
    properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } } },
  },
  WsClientMessage: {
    oneOf: [
      {
        type: 'object',
        required: ['type', 'token'],
        properties: { type: { const: 'auth' }, token: { type: 'string' } },
        description: 'first message when the Authorization header cannot be sent (browsers)',
      },
      {
        type: 'object',
        required: ['type', 'seqs'],
        properties: { type: { const: 'ack' }, seqs: { type: 'array', items: { type: 'integer' } } },
      },
    ],
    example: { type: 'auth', token: '<token>' },
  },
  WsServerMessage: {
    type: 'object',
    required: ['type'],
    description:
      'hello (devices, alerts, seq) on connect, then the unacknowledged credits (replay: true), then live messages. ' +
      'Every message names its device (when it has one) and a journal seq.',
    properties: {
      type: {
        type: 'string',
        enum: ['hello', 'state', 'event', 'credit', 'payout', 'vend', 'card', 'alert', 'ack', 'error'],
      },
      device: { type: 'string' },
      seq: { type: 'integer' },
      ts: { type: 'integer' },
      value: ref('Money'),
      replay: { type: 'boolean' },
      state: ref('Device'),
      event: { type: 'object', properties: { type: { type: 'string' } } },
      outcome: { oneOf: [ref('PayoutOutcome'), ref('CardOutcome')] },
      alert: ref('Alert'),
      active: { type: 'boolean' },
    },
  },
};

/** A POST with a JSON body of schema `body` (its example is the schema's unless `example` is given). */
const post = (
  summary: string,
  body: keyof typeof schemas,
  response: unknown,
  extra: Record<string, unknown> = {},
  parameters: unknown[] = [],
  example: unknown = (schemas[body] as { example?: unknown }).example,
) => ({
  post: {
    summary,
    ...(parameters.length > 0 ? { parameters } : {}),
    requestBody: { required: true, content: json(ref(body), example) },
    responses: { '200': ok(response), ...errors, ...extra },
  },
});

/** A request without a body answering `response` (GET or POST), with path `parameters`. */
const call = (method: 'get' | 'post', summary: string, response: unknown, parameters: unknown[] = []) => ({
  [method]: {
    summary,
    ...(parameters.length > 0 ? { parameters } : {}),
    responses: { '200': ok(response), ...errors },
  },
});

export function openApiDocument(): unknown {
  return {
    openapi: '3.1.0',
    info: {
      title: 'kioskbus serve',
      version: '1',
      description:
        'Local device service for payment kiosks. Every /api route except this document needs ' +
        '`Authorization: Bearer <token>` (the token is in <data>/token). Money is integer minor units with an ISO 4217 code.',
    },
    servers: [{ url: 'http://127.0.0.1:7070' }],
    security: [{ bearer: [] }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } }, schemas },
    paths: {
      '/api/openapi.json': {
        get: { summary: 'this document', security: [], responses: { '200': { description: 'OK' } } },
      },
      '/api/devices': call('get', 'devices with state, levels and alerts', {
        type: 'object',
        properties: { kiosk: { type: 'string' }, devices: { type: 'array', items: ref('Device') } },
      }),
      '/api/devices/{id}': call('get', 'one device', ref('Device'), [deviceId]),
      '/api/devices/{id}/enable': call('post', 'enable one device', ref('Device'), [deviceId]),
      '/api/devices/{id}/disable': call('post', 'disable one device', ref('Device'), [deviceId]),
      '/api/devices/enable': call('post', 'enable every device', listOf('devices', ref('Device'))),
      '/api/devices/disable': call('post', 'disable every device', listOf('devices', ref('Device'))),
      '/api/devices/{id}/simulate': post(
        'act on a simulated device (insert a note or coin by value, tap a card, jam, remove the cash box, power-cut)',
        'SimulateRequest',
        { type: 'object' },
        { '409': { description: 'a real device' } },
        [deviceId],
      ),
      '/api/payouts': post(
        'pay out; answers when finished with paid, refused or uncertain. A repeated transaction returns the stored outcome and moves nothing.',
        'PayoutRequest',
        ref('PayoutOutcome'),
        { '409': { description: 'the device cannot pay out, or the transaction was used for another payout' } },
      ),
      '/api/payouts/{transaction}': {
        get: {
          summary: 'the stored outcome of a payout',
          parameters: [transaction],
          responses: { '200': ok(ref('PayoutOutcome')), ...errors, '404': { description: 'unknown or still running' } },
        },
      },
      '/api/payouts/{transaction}/resolve': post(
        'an operator counted the device after an uncertain payout: record what was paid',
        'ResolveRequest',
        ref('PayoutOutcome'),
        {},
        [transaction],
      ),
      '/api/vends': post(
        'charge a card at a card reader: opens a session, waits for a card, answers when finished with paid (charged), refused (denied, no card) or uncertain. A repeated transaction returns the stored outcome and charges nothing.',
        'VendRequest',
        ref('PayoutOutcome'),
        { '409': { description: 'not a card reader, or the transaction was used for another request' } },
      ),
      '/api/cards/dispense': post(
        'dispense one card (ControllerBox); answers dispensed, refused or uncertain. A repeated transaction returns the stored outcome and moves nothing.',
        'CardDispenseRequest',
        ref('CardOutcome'),
        { '409': { description: 'no such dispenser, or the transaction was used for another request' } },
      ),
      '/api/transactions/{transaction}': {
        get: {
          summary:
            'the stored outcome of any money-moving request (payout, vend, card); also at /api/vends/{transaction} and /api/cards/dispense/{transaction}',
          parameters: [transaction],
          responses: {
            '200': ok({ oneOf: [ref('PayoutOutcome'), ref('CardOutcome')] }),
            ...errors,
            '404': { description: 'unknown or still running' },
          },
        },
      },
      '/api/transactions/{transaction}/resolve': post(
        'an operator checked the device after an uncertain outcome: record what was paid, charged or dispensed',
        'ResolveRequest',
        { oneOf: [ref('PayoutOutcome'), ref('CardOutcome')] },
        {},
        [transaction],
        { dispensed: true },
      ),
      '/api/credits/pending': call(
        'get',
        'credits not yet acknowledged (also replayed to every WebSocket client on connect)',
        listOf('credits', ref('Credit')),
      ),
      '/api/credits/ack': post(
        'acknowledge credits by seq (the application has saved them)',
        'AckRequest',
        listOf('acknowledged', { type: 'integer' }),
      ),
      '/api/journal': {
        get: {
          summary: 'journal records after a seq',
          parameters: [
            { name: 'since', in: 'query', schema: { type: 'integer', minimum: 0 }, example: 0 },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 5000 }, example: 500 },
          ],
          responses: {
            '200': ok({
              type: 'object',
              properties: { lastSeq: { type: 'integer' }, records: { type: 'array', items: ref('JournalRecord') } },
            }),
            ...errors,
          },
        },
      },
      '/api/alerts': call('get', 'active alerts', listOf('alerts', ref('Alert'))),
    },
    'x-websocket': {
      path: '/ws',
      auth: 'Authorization: Bearer <token> header, or a first message {"type":"auth","token":"..."}; otherwise closed with 4401',
      client: ref('WsClientMessage'),
      server: ref('WsServerMessage'),
    },
  };
}
