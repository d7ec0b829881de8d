"""Replay what gradio's local mode asks of a hub (no SYSTEM=spaces).

Outside a Space, gradio (gradio/oauth.py, attach_oauth) mocks its OAuth
routes: at start it takes the machine's token with huggingface_hub's
get_token() (HF_TOKEN, else the token file under HF_HOME) and asks the hub
who that is with huggingface_hub's whoami(), a GET of
{HF_ENDPOINT}/api/whoami-v2 with "authorization: Bearer TOKEN". It refuses
anything but type "user", and builds the session a LoginButton sign-in
stores from fullname, name and avatarUrl. huggingface_hub's own
attach_huggingface_oauth does the same outside a Space, keeping the real
token as access_token, so an app that calls whoami(oauth_token) sends it
again. This script makes those requests with requests, builds both
sessions as the two libraries do, and prints them as JSON, with the status
of a whoami with a token the hub does not know (huggingface_hub raises on
it).

Usage: HF_ENDPOINT=URL HF_TOKEN=hf_... gradio_local.py
"""

import json
import os
import platform
import time

import requests

# huggingface_hub.constants: the hub, and where the token lives.
ENDPOINT = os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")
HF_HOME = os.path.expanduser(os.environ.get("HF_HOME", os.path.join(os.environ.get("XDG_CACHE_HOME", "~/.cache"), "huggingface")))


def get_token():
    """huggingface_hub.get_token: HF_TOKEN, then the stored token file."""
    token = os.environ.get("HF_TOKEN") or os.environ.get("HUGGING_FACE_HUB_TOKEN")
    if token:
        return token.strip()
    path = os.environ.get("HF_TOKEN_PATH", os.path.join(HF_HOME, "token"))
    try:
        with open(path) as f:
            return f.read().strip() or None
    except FileNotFoundError:
        return None


def whoami(token):
    """huggingface_hub.whoami: GET /api/whoami-v2 with its headers."""
    headers = {
        "user-agent": f"unknown/None; hf_hub/replay; python/{platform.python_version()}",
        "authorization": f"Bearer {token}",
    }
    return requests.get(f"{ENDPOINT}/api/whoami-v2", headers=headers, timeout=10)


token = get_token()
if token is None:
    raise SystemExit("no token: gradio would ask to run `huggingface-cli login` or set HF_TOKEN")
resp = whoami(token)
resp.raise_for_status()
user = resp.json()
if user["type"] != "user":
    raise SystemExit(f"whoami type {user['type']!r}: gradio wants a personal account")

# gradio's _get_mocked_oauth_info: what /login/callback stores.
gradio_session = {
    "access_token": "mock-oauth-token-for-local-dev",
    "token_type": "bearer",
    "expires_in": 3600,
    "scope": "openid profile",
    "expires_at": int(time.time()) + 8 * 60 * 60,
    "userinfo": {
        "sub": "11111111111111111111111",
        "name": user["fullname"],
        "preferred_username": user["name"],
        "profile": f"https://huggingface.co/{user['name']}",
        "picture": user["avatarUrl"],
    },
}
# gradio's OAuthProfile reads these four keys.
info = gradio_session["userinfo"]
profile = {"name": info["name"], "username": info["preferred_username"], "profile": info["profile"], "picture": info["picture"]}

# huggingface_hub's mocked attach_huggingface_oauth keeps the real token,
# which the app then uses, e.g. whoami(oauth_info.access_token)["orgs"].
again = whoami(token)
again.raise_for_status()

print(json.dumps({
    "whoami": user,
    "profile": profile,
    "orgs_again": [o["name"] for o in again.json().get("orgs", [])],
    "unknown_token_status": whoami("hf_" + "x" * 34).status_code,
}))
