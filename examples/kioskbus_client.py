#!/usr/bin/env python3
"""A small client of `kioskbus serve` using only the Python standard library.

    kioskbus serve --simulate                      # in another terminal
    python3 examples/kioskbus_client.py --token-file kioskbus-data-simulated/token

It lists the devices, takes the credits the service holds for the application (saving them first, then
acknowledging them), and pays out with a transaction id: a retry with the same id gets the stored outcome and
pays nothing twice. With a simulated note validator it first inserts a note, so there is a credit to take.
Money is always {"amount": <integer minor units>, "currency": "EUR"}.
"""
import argparse
import json
import sys
import time
import urllib.error
import urllib.request
import uuid


class KioskbusError(Exception):
    def __init__(self, status, body):
        error = body.get("error", {}) if isinstance(body, dict) else {}
        super().__init__(f"HTTP {status}: {error.get('message', body)}")
        self.status = status
        self.code = error.get("code")


class Kioskbus:
    def __init__(self, url, token, timeout=90):
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Authorization", "Bearer " + self.token)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            raise KioskbusError(error.code, json.loads(error.read().decode("utf-8") or "{}")) from None

    def devices(self):
        return self.call("GET", "/api/devices")["devices"]

    def pending_credits(self):
        return self.call("GET", "/api/credits/pending")["credits"]

    def ack(self, seqs):
        return self.call("POST", "/api/credits/ack", {"seqs": list(seqs)})

    def payout(self, device, amount, currency, transaction):
        """Pays out; on a network error retry with the SAME transaction: the service never pays it twice."""
        body = {"device": device, "amount": {"amount": amount, "currency": currency}, "transaction": transaction}
        for attempt in range(3):
            try:
                return self.call("POST", "/api/payouts", body)
            except (urllib.error.URLError, TimeoutError):
                if attempt == 2:
                    raise
                time.sleep(1)

    def simulate(self, device, action, value=None):
        body = {"action": action}
        if value is not None:
            body["value"] = value
        return self.call("POST", f"/api/devices/{device}/simulate", body)


def money(m):
    return f"{m['amount'] / 100:.2f} {m['currency']}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:7070")
    parser.add_argument("--token-file", default="kioskbus-data/token")
    parser.add_argument("--wait", type=float, default=15.0, help="seconds to wait for a credit")
    args = parser.parse_args()
    with open(args.token_file, encoding="utf-8") as f:
        client = Kioskbus(args.url, f.read().strip())

    devices = client.devices()
    for d in devices:
        print(f"device {d['id']}: {d['kind']} {d['state']}{' (simulated)' if d['simulated'] else ''}")

    validator = next((d for d in devices if d["simulated"] and "insert" in d["actions"] and d.get("accepts")), None)
    if validator:
        note = validator["accepts"][0]
        client.simulate(validator["id"], "insert", note)
        print(f"inserted {money(note)} into {validator['id']}")

    deadline = time.time() + args.wait
    credits = client.pending_credits()
    while validator and not credits and time.time() < deadline:
        time.sleep(0.2)
        credits = client.pending_credits()
    for c in credits:
        # save the credit in the application first (database, receipt ...), then acknowledge it
        print(f"credit seq {c['seq']}: {money(c['value'])} from {c['device']}")
    if credits:
        client.ack(c["seq"] for c in credits)
        print(f"acknowledged {len(credits)} credit(s)")

    payer = next((d for d in devices if d["canPayout"] and d["state"] == "ready"), None)
    if payer is None:
        print("no payout device ready")
        return 0
    transaction = "example-" + uuid.uuid4().hex[:12]
    amount = min(l["value"]["amount"] for l in payer.get("levels", []) if l["count"] > 0)
    first = client.payout(payer["id"], amount, payer["currency"], transaction)
    print(f"payout {transaction}: {first['status']} {money(first['paid'])} replayed={first['replayed']}")
    again = client.payout(payer["id"], amount, payer["currency"], transaction)
    print(f"payout {transaction} again: {again['status']} {money(again['paid'])} replayed={again['replayed']}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KioskbusError as error:
        print(error, file=sys.stderr)
        sys.exit(1)
