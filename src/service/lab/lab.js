/* global document, Node, sessionStorage, fetch, crypto, WebSocket, location, setTimeout */
// kioskbus device lab: cards per device, simulator buttons and a live log, on the service's REST API and WebSocket.
// The token is asked once and kept in sessionStorage (gone when the tab closes). No build step, no dependencies.
const $ = (id) => document.getElementById(id);
const devices = new Map();
let socket;

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== false) el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null) el.append(c instanceof Node ? c : String(c));
  return el;
}

/** Minor units to text, without floats: 1500 EUR -> "15.00 EUR" (VND and JPY have no minor unit). */
function money(m) {
  const digits = ['VND', 'JPY', 'KRW', 'CLP', 'ISK'].includes(m.currency) ? 0 : 2;
  const s = String(m.amount).padStart(digits + 1, '0');
  return `${digits ? `${s.slice(0, -digits)}.${s.slice(-digits)}` : s} ${m.currency}`;
}

/** "15", "15.5", "15.50" -> 1500 minor units (string arithmetic, never floats). */
function toMinor(text, currency) {
  const digits = ['VND', 'JPY', 'KRW', 'CLP', 'ISK'].includes(currency) ? 0 : 2;
  const match = /^(\d+)(?:[.,](\d+))?$/.exec(text.trim());
  if (!match || (match[2] ?? '').length > digits) throw new Error(`"${text}" is not an amount in ${currency}`);
  return Number(match[1]) * 10 ** digits + Number((match[2] ?? '').padEnd(digits, '0') || 0);
}

function token() {
  return sessionStorage.getItem('kioskbus-token') ?? '';
}

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${token()}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const reply = await res.json();
  if (res.status === 401) askToken('the token was refused');
  if (!res.ok) throw new Error(reply.error?.message ?? `HTTP ${res.status}`);
  return reply;
}

function log(text, kind = '') {
  const list = $('log');
  list.prepend(h('li', { class: kind }, `${new Date().toLocaleTimeString()} ${text}`));
  while (list.children.length > 300) list.lastChild.remove();
}

function act(fn) {
  return async () => {
    $('error').textContent = '';
    try {
      await fn();
    } catch (error) {
      $('error').textContent = error.message;
      log(`error: ${error.message}`, 'alert');
    }
  };
}

/** A transaction id for one request from the page. */
const newTransaction = () => crypto.randomUUID?.() ?? `lab-${Date.now()}-${Math.random()}`;

/**
 * A button asking `path` to move the money typed in `amount` at device `d` (`op`: payout or vend) under a new
 * transaction, with `extra` fields; anything but paid is shown as an error.
 */
function moneyButton(d, amount, op, label, path, extra) {
  return h(
    'button',
    {
      'data-action': op,
      onclick: act(async () => {
        const value = { amount: toMinor(amount.value || '0', d.currency), currency: d.currency };
        const ask = { device: d.id, amount: value, transaction: newTransaction(), ...extra };
        const outcome = await api('POST', path, ask);
        if (outcome.status !== 'paid') throw new Error(`${op} ${outcome.status}: ${outcome.reason ?? ''}`);
      }),
    },
    label,
  );
}

function card(d) {
  const sim = (action, label, value) =>
    h(
      'button',
      {
        class: 'sim',
        'data-action': action,
        onclick: act(() => api('POST', `/api/devices/${d.id}/simulate`, { action, ...(value ? { value } : {}) })),
      },
      label,
    );
  const levels = (d.levels ?? []).filter((l) => l.count > 0 || l.capacity);
  const amount = h('input', {
    class: 'amount',
    'aria-label': `${d.canVend ? 'vend' : 'payout'} amount ${d.id}`,
    inputmode: 'decimal',
    placeholder: '10.00',
  });
  const tcdSelect = d.dispensers?.length
    ? h(
        'select',
        { 'aria-label': `card dispenser ${d.id}` },
        d.dispensers.map((t) => h('option', { value: t }, `dispenser ${t}`)),
      )
    : undefined;
  const insertOptions = (d.accepts ?? []).map((m) => h('option', { value: m.amount }, money(m)));
  const insertSelect = insertOptions.length
    ? h('select', { 'aria-label': `value to insert ${d.id}` }, insertOptions)
    : undefined;
  return h(
    'article',
    { class: 'card', id: `card-${d.id}`, 'data-state': d.state, 'data-enabled': d.enabled },
    h('h2', {}, d.id, h('span', { class: `badge ${d.state}`, 'data-role': 'state' }, d.state)),
    h(
      'div',
      { class: 'meta' },
      `${d.protocol} · ${d.model ?? d.kind}${d.simulated ? ' · simulated' : ''}${d.error ? ` · ${d.error}` : ''}`,
    ),
    d.cashbox
      ? h(
          'div',
          { class: 'meta', 'data-role': 'cashbox' },
          `cash box: ${d.cashbox.present ? 'in' : 'OUT'}${d.cashbox.count !== undefined ? ` · ${d.cashbox.count}${d.cashbox.capacity ? ` / ${d.cashbox.capacity}` : ''}` : ''}`,
        )
      : undefined,
    levels.length
      ? h(
          'div',
          { class: 'levels', 'data-role': 'levels' },
          levels.map((l) => h('span', {}, `${l.count}× ${money(l.value)}`)),
        )
      : undefined,
    h(
      'div',
      {},
      (d.alerts ?? []).map((a) => h('span', { class: 'alert' }, a.code.replace('_', ' '))),
    ),
    h(
      'div',
      { class: 'row' },
      h(
        'button',
        {
          'data-action': d.enabled ? 'disable' : 'enable',
          onclick: act(() => api('POST', `/api/devices/${d.id}/${d.enabled ? 'disable' : 'enable'}`)),
        },
        d.enabled ? 'Disable' : 'Enable',
      ),
      d.canPayout ? [amount, moneyButton(d, amount, 'payout', 'Pay out', '/api/payouts', {})] : undefined,
      d.canVend ? [amount, moneyButton(d, amount, 'vend', 'Charge card', '/api/vends', { waitMs: 30000 })] : undefined,
      tcdSelect
        ? [
            tcdSelect,
            h(
              'button',
              {
                'data-action': 'dispense-card',
                onclick: act(async () => {
                  const ask = { device: d.id, tcd: Number(tcdSelect.value), transaction: newTransaction() };
                  const outcome = await api('POST', '/api/cards/dispense', ask);
                  if (outcome.status !== 'dispensed') {
                    throw new Error(`card ${outcome.status}: ${outcome.reason ?? ''}`);
                  }
                }),
              },
              'Dispense card',
            ),
          ]
        : undefined,
    ),
    d.simulated
      ? h(
          'div',
          { class: 'row' },
          d.actions.includes('insert') && insertSelect
            ? [
                insertSelect,
                h(
                  'button',
                  {
                    class: 'sim',
                    'data-action': 'insert',
                    onclick: act(() =>
                      api('POST', `/api/devices/${d.id}/simulate`, {
                        action: 'insert',
                        value: { amount: Number(insertSelect.value), currency: d.currency },
                      }),
                    ),
                  },
                  'Insert',
                ),
              ]
            : undefined,
          d.actions.includes('tap')
            ? sim('tap', 'Tap card', { amount: 5000, currency: d.currency ?? 'EUR' })
            : undefined,
          d.actions.includes('jam') ? sim(d.jammed ? 'clear-jam' : 'jam', d.jammed ? 'Clear jam' : 'Jam') : undefined,
          d.actions.includes('remove-cashbox')
            ? sim(
                d.cashbox?.present === false ? 'replace-cashbox' : 'remove-cashbox',
                d.cashbox?.present === false ? 'Put cash box back' : 'Remove cash box',
              )
            : undefined,
          d.actions.includes('power-cut') ? sim('power-cut', 'Power cut') : undefined,
          d.actions.includes('lose-answer') ? sim('lose-answer', 'Lose next answer') : undefined,
        )
      : undefined,
  );
}

function render(d) {
  devices.set(d.id, d);
  const fresh = card(d);
  const old = $(`card-${d.id}`);
  if (old) {
    // keep what the user is typing in the payout field
    const typed = old.querySelector('input.amount')?.value;
    if (typed) fresh.querySelector('input.amount').value = typed;
    old.replaceWith(fresh);
  } else {
    $('cards').append(fresh);
  }
}

function onMessage(m) {
  switch (m.type) {
    case 'hello':
      $('kiosk').textContent = m.kiosk;
      $('cards').replaceChildren();
      m.devices.forEach(render);
      log(`connected to ${m.kiosk}: ${m.devices.length} devices, journal at seq ${m.seq}`);
      break;
    case 'state':
      render({ ...m.state, alerts: m.alerts });
      break;
    case 'credit':
      log(`#${m.seq} ${m.device} credit ${money(m.value)}${m.replay ? ' (not yet acknowledged)' : ''}`, 'credit');
      break;
    case 'payout':
    case 'vend':
      log(
        `#${m.seq} ${m.device} ${m.type} ${m.outcome.status} ${money(m.outcome.paid)} of ${money(m.outcome.requested)}${m.outcome.reason ? ` (${m.outcome.reason})` : ''}`,
        'payout',
      );
      api('GET', `/api/devices/${m.device}`).then(render, () => undefined);
      break;
    case 'card':
      log(
        `#${m.seq} ${m.device} card from dispenser ${m.outcome.tcd} ${m.outcome.status}${m.outcome.reason ? ` (${m.outcome.reason})` : ''}`,
        'payout',
      );
      break;
    case 'alert':
      log(`#${m.seq} ${m.device} alert ${m.alert.code} ${m.active ? 'raised' : 'cleared'}`, 'alert');
      break;
    case 'event': {
      const { type, ...rest } = m.event;
      const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
      log(`#${m.seq} ${m.device} ${type}${extra}`);
      break;
    }
    case 'ack':
      log(`#${m.seq} credits ${m.credits.join(', ')} acknowledged`);
      break;
    default:
      break;
  }
}

function connect() {
  socket?.close();
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
  socket = ws;
  ws.addEventListener('open', () => ws.send(JSON.stringify({ type: 'auth', token: token() })));
  ws.addEventListener('message', (e) => {
    $('conn').textContent = 'live';
    $('conn').className = 'badge live';
    onMessage(JSON.parse(e.data));
  });
  ws.addEventListener('close', (e) => {
    if (socket !== ws) return;
    $('conn').textContent = 'not connected';
    $('conn').className = 'badge down';
    if (e.code === 4401) askToken('the token was refused');
    else setTimeout(connect, 2000);
  });
}

function askToken(why) {
  sessionStorage.removeItem('kioskbus-token');
  $('login').classList.add('show');
  if (why) $('error').textContent = why;
}

$('login').addEventListener('submit', (e) => {
  e.preventDefault();
  sessionStorage.setItem('kioskbus-token', $('token').value.trim());
  $('token').value = '';
  $('login').classList.remove('show');
  $('error').textContent = '';
  connect();
});

if (token()) connect();
else askToken('');
