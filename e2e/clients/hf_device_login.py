"""Replay huggingface_hub's device login (`hf auth login`) against a hub.

huggingface_hub's device flow (utils/_oauth_device.py, _login.py) sends the
device request as a form with only client_id (the scopes live on the app),
then polls the token endpoint with the device_code grant, falling back to
interval 5 and expires_in 900 when the answer lacks them, adding 5 s on
slow_down, and going on through authorization_pending, network errors and
5xx; it then checks the token with whoami-v2 and stores it as
"oauth-{username}" with its refresh token and expiry. This script does the
same requests with requests and prints the user code on the first line.

One deliberate deviation, to exercise slow_down for real: right after the
device answer it polls twice in a row (the second poll comes too soon, so
the hub answers slow_down and the client adds 5 s to its interval, as
huggingface_hub does), then prints "polled" on the second line. The test
approves the code only after that line, so the answers are exactly
authorization_pending, slow_down, then the tokens after the longer
interval. The JSON summary is the third line; it records whether the hub
sent interval and expires_in (when it does, huggingface_hub's fallbacks of
5 and 900 are not used).

Usage: hf_device_login.py HUB [CLIENT_ID]

Without CLIENT_ID the client id is huggingface_hub's own: its constant for
the hf CLI app, unless HF_DEVICE_CODE_OAUTH_CLIENT_ID overrides it, as
"hf auth login" does.
"""

import json
import os
import sys
import time

import requests

# huggingface_hub's constant for its CLI app on huggingface.co.
HF_CLI_CLIENT_ID = "26be6b09-91c5-47da-9861-d2d2bb7a7e36"

HUB = sys.argv[1]
if len(sys.argv) > 2:
    CLIENT_ID = sys.argv[2]
else:
    CLIENT_ID = os.environ.get("HF_DEVICE_CODE_OAUTH_CLIENT_ID") or HF_CLI_CLIENT_ID

resp = requests.post(f"{HUB}/oauth/device", data={"client_id": CLIENT_ID}, timeout=10)
resp.raise_for_status()
device = resp.json()
print(device["user_code"], flush=True)

interval = device.get("interval", 5)
deadline = time.time() + device.get("expires_in", 900)
answers = []
polls = []  # seconds since the device answer, one per poll
started = time.time()
token = None


def poll():
    """One device_code token request; returns the tokens, or None to go on
    (huggingface_hub's handling of each answer)."""
    global interval
    polls.append(round(time.time() - started, 1))
    try:
        r = requests.post(f"{HUB}/oauth/token", data={
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
            "device_code": device["device_code"],
            "client_id": CLIENT_ID,
        }, timeout=10)
    except requests.RequestException:
        return None
    if r.status_code >= 500:
        return None
    body = r.json()
    if r.status_code == 200:
        return body
    error = body.get("error")
    answers.append(error)
    if error == "authorization_pending":
        return None
    if error == "slow_down":
        interval += 5
        return None
    raise SystemExit(f"device login failed: {error}: {body.get('error_description')}")


# The deliberate too-fast pair of polls (see above), before approval.
for _ in range(2):
    if poll() is not None:
        raise SystemExit("tokens before the user approved")
interval_after_slow_down = interval
print("polled", flush=True)

while token is None and time.time() < deadline:
    time.sleep(interval)
    token = poll()

if token is None:
    raise SystemExit("device code expired")

who = requests.get(f"{HUB}/api/whoami-v2", headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=10)
who.raise_for_status()
me = who.json()
stored = {
    "name": f"oauth-{me['name']}",
    "expires_at": int(time.time()) + int(token["expires_in"]),
    "has_refresh_token": bool(token.get("refresh_token")),
}

# Refresh as get_token() does when less than a day remains.
r = requests.post(f"{HUB}/oauth/token", data={
    "grant_type": "refresh_token", "refresh_token": token["refresh_token"], "client_id": CLIENT_ID,
}, timeout=10)
refreshed = r.json()

print(json.dumps({
    "requests": requests.__version__,
    "client_id": CLIENT_ID,
    "device": {k: device.get(k) for k in ("verification_uri", "verification_uri_complete", "expires_in", "interval")},
    "interval_sent": "interval" in device,
    "expires_in_sent": "expires_in" in device,
    "answers": answers,
    "polls": polls,
    "interval_after_slow_down": interval_after_slow_down,
    "expires_in": token.get("expires_in"),
    "token_type": token.get("token_type"),
    "scope": token.get("scope"),
    "whoami": {"name": me.get("name"), "type": me.get("type"), "auth": me.get("auth")},
    "stored": stored,
    "refresh": {"status": r.status_code, "new_refresh_token": refreshed.get("refresh_token") not in (None, token["refresh_token"])},
}))
