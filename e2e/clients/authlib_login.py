"""Sign in to a hub the way gradio and huggingface_hub do, with authlib.

gradio's LoginButton (gradio/oauth.py) and huggingface_hub's
attach_huggingface_oauth register the same client:

    oauth = OAuth()  # authlib.integrations.starlette_client
    oauth.register(name="huggingface", client_id=OAUTH_CLIENT_ID,
                   client_secret=OAUTH_CLIENT_SECRET,
                   client_kwargs={"scope": OAUTH_SCOPES},
                   server_metadata_url=OPENID_PROVIDER_URL + "/.well-known/openid-configuration")

then /login/huggingface calls authorize_redirect(request, redirect_uri) and
/login/callback calls authorize_access_token(request), which exchanges the
code (client_secret_basic, no PKCE) and validates the ID token (signature
from the JWKS, iss, aud, exp, iat, nonce) into token["userinfo"]; the app
reads the user from there. This script mounts exactly those two routes in a
tiny Starlette app on the Space's host, drives it with starlette's
TestClient (httpx; authlib's own httpx client talks to the hub over the
network), signs in through the hub's real login form and consent page with
requests, and prints what gradio would see as JSON.

The only stand-in is the session store: gradio uses starlette's
SessionMiddleware (which needs itsdangerous); here an in-memory store keyed
by a cookie provides request.session the same way.

Usage: authlib_login.py ISSUER CLIENT_ID CLIENT_SECRET SPACE_ORIGIN SCOPES USERNAME PASSWORD
"""

import json
import re
import secrets
import sys
import urllib.parse
from html import unescape
from urllib.parse import urljoin

import authlib
import httpx
import requests
import starlette
from authlib.integrations.starlette_client import OAuth
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

ISSUER, CLIENT_ID, CLIENT_SECRET, SPACE_ORIGIN, SCOPES, USERNAME, PASSWORD = sys.argv[1:8]


class MemorySessions:
    """request.session backed by a dict per cookie, like SessionMiddleware."""

    def __init__(self, app):
        self.app = app
        self.sessions = {}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        sid = HTTPConnection(scope).cookies.get("session")
        fresh = sid not in self.sessions
        if fresh:
            sid = secrets.token_urlsafe(16)
            self.sessions[sid] = {}
        scope["session"] = self.sessions[sid]

        async def send_with_cookie(message):
            if fresh and message["type"] == "http.response.start":
                MutableHeaders(scope=message).append("set-cookie", f"session={sid}; path=/; httponly; samesite=none; secure")
            await send(message)

        await self.app(scope, receive, send_with_cookie)


# gradio/oauth.py, _add_oauth_routes, with the Space's environment.
oauth = OAuth()
oauth.register(
    name="huggingface",
    client_id=CLIENT_ID,
    client_secret=CLIENT_SECRET,
    client_kwargs={"scope": SCOPES},
    server_metadata_url=ISSUER + "/.well-known/openid-configuration",
)


async def oauth_login(request):
    # gradio's _generate_redirect_uri: the callback route with _target_url.
    target = request.query_params.get("_target_url", "/")
    redirect_uri = str(request.url_for("oauth_redirect_callback")) + "?" + urllib.parse.urlencode({"_target_url": target})
    return await oauth.huggingface.authorize_redirect(request, redirect_uri)


async def oauth_redirect_callback(request):
    oauth_info = await oauth.huggingface.authorize_access_token(request)
    request.session["oauth_info"] = oauth_info
    # What gradio's OAuthProfile / huggingface_hub's OAuthInfo read.
    userinfo = oauth_info["userinfo"]
    profile = {k: userinfo[k] for k in ("name", "preferred_username", "profile", "picture")}
    return JSONResponse({
        "callback": str(request.url),
        "scope": oauth_info.get("scope"),
        "token_type": oauth_info.get("token_type"),
        "expires_in": oauth_info.get("expires_in"),
        "has_expires_at": "expires_at" in oauth_info,
        "has_access_token": bool(oauth_info.get("access_token")),
        "profile": profile,
        "userinfo": dict(userinfo),
    })


app = MemorySessions(Starlette(routes=[
    Route("/login/huggingface", oauth_login, name="oauth_login"),
    Route("/login/callback", oauth_redirect_callback, name="oauth_redirect_callback"),
]))


def browse(browser, url):
    """Follow the hub's pages like a person: sign in, allow, and return the
    URL the hub finally redirects to (the app's callback)."""
    resp = browser.get(url, allow_redirects=False)
    for _ in range(10):
        if resp.status_code in (302, 303):
            location = urljoin(resp.url, resp.headers["Location"])
            if not location.startswith(ISSUER):
                return location
            resp = browser.get(location, allow_redirects=False)
            continue
        page = resp.text
        fields = {unescape(k): unescape(v) for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)}
        if 'name="password"' in page:
            fields.update(username=USERNAME, password=PASSWORD)
            resp = browser.post(urljoin(ISSUER, "/login"), data=fields, allow_redirects=False)
        elif 'name="consent_token"' in page:
            fields["consent"] = "allow"
            resp = browser.post(urljoin(ISSUER, "/oauth/authorize"), data=fields, allow_redirects=False)
        else:
            raise SystemExit(f"unexpected page {resp.status_code}: {page[:300]}")
    raise SystemExit("too many steps")


with TestClient(app, base_url=SPACE_ORIGIN) as space:
    login = space.get("/login/huggingface", follow_redirects=False)
    if login.status_code != 302:
        raise SystemExit(f"/login/huggingface: {login.status_code} {login.text[:300]}")
    authorize_url = login.headers["location"]
    callback = browse(requests.Session(), authorize_url)
    if not callback.startswith(SPACE_ORIGIN + "/"):
        raise SystemExit(f"hub redirected to {callback}, not the Space")
    done = space.get(callback[len(SPACE_ORIGIN):], follow_redirects=False)
    if done.status_code != 200:
        raise SystemExit(f"/login/callback: {done.status_code} {done.text[:500]}")
    result = done.json()

result.update(
    authlib=authlib.__version__,
    starlette=starlette.__version__,
    httpx=httpx.__version__,
    authorize_url=authorize_url,
)
print(json.dumps(result))
