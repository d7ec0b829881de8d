"""Sign in to a hub through huggingface_hub's attach_huggingface_oauth, replayed.

huggingface_hub's attach_huggingface_oauth(app, route_prefix="/")
(huggingface_hub/_oauth.py) adds to a FastAPI app, when SPACE_ID is set:

  - starlette's SessionMiddleware, secret sha256(OAUTH_CLIENT_SECRET + "-v1"),
    same_site "none", https_only;
  - authlib's Starlette client, registered exactly as gradio does;
  - GET {prefix}/oauth/huggingface/login: the redirect URI is
    url_for("oauth_redirect_callback") with _target_url (the given one, or
    "/?" + the login request's query), switched to https only for
    *.hf.space hosts; then authorize_redirect;
  - GET {prefix}/oauth/huggingface/callback: authorize_access_token, the
    token dict stored in the session as "oauth_info", a redirect to
    _target_url;
  - GET {prefix}/oauth/huggingface/logout: the session's "oauth_info"
    dropped, a redirect to _target_url.

On a Space the app runs under uvicorn behind the Space proxy, so the URL
the redirect URI is built from comes from the proxy's headers: the Host it
keeps, and X-Forwarded-Proto, which uvicorn's ProxyHeadersMiddleware turns
into the request's scheme for a proxy it trusts (by default the loopback
address hubid space run's proxy connects from). This script builds that
FastAPI app with those routes and middlewares (FastAPI, starlette,
itsdangerous and uvicorn from Debian; the route code written after
huggingface_hub's, which Debian does not package), sends each request with
the headers hubid's Space proxy sets (Host, X-Forwarded-For, -Host,
-Proto), signs in through the hub's login form and consent page with
requests, and prints as JSON what parse_huggingface_oauth would give the
app, before and after logout.

With FORWARDED_PROTO empty the requests come without proxy headers (a
plain http request to the app): the redirect URI then starts with http://.

Usage: hfhub_oauth_login.py ISSUER CLIENT_ID CLIENT_SECRET SPACE_HOST SCOPES USERNAME PASSWORD FORWARDED_PROTO
"""

import hashlib
import json
import re
import sys
import urllib.parse
from html import unescape
from urllib.parse import urljoin

import authlib
import fastapi
import requests
import starlette
import uvicorn
from authlib.integrations.starlette_client import OAuth
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.middleware.sessions import SessionMiddleware
from starlette.testclient import TestClient
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

ISSUER, CLIENT_ID, CLIENT_SECRET, SPACE_HOST, SCOPES, USERNAME, PASSWORD, PROTO = sys.argv[1:9]

app = fastapi.FastAPI()

# attach_huggingface_oauth: the session cookie.
app.add_middleware(
    SessionMiddleware,
    secret_key=hashlib.sha256((CLIENT_SECRET + "-v1").encode()).hexdigest(),
    same_site="none",
    https_only=True,
)

# _add_oauth_routes: the client, from the Space's environment.
oauth = OAuth()
oauth.register(
    name="huggingface",
    client_id=CLIENT_ID,
    client_secret=CLIENT_SECRET,
    client_kwargs={"scope": SCOPES},
    server_metadata_url=ISSUER + "/.well-known/openid-configuration",
)


def generate_redirect_uri(request):
    if "_target_url" in request.query_params:
        target = request.query_params["_target_url"]
    else:
        target = "/?" + urllib.parse.urlencode(request.query_params)
    uri = request.url_for("oauth_redirect_callback").include_query_params(_target_url=target)
    s = str(uri)
    if uri.netloc.endswith(".hf.space"):
        s = s.replace("http://", "https://")
    return s


@app.get("/oauth/huggingface/login")
async def oauth_login(request: fastapi.Request):
    return await oauth.huggingface.authorize_redirect(request, generate_redirect_uri(request))


@app.get("/oauth/huggingface/callback")
async def oauth_redirect_callback(request: fastapi.Request):
    request.session["oauth_info"] = await oauth.huggingface.authorize_access_token(request)
    return RedirectResponse(request.query_params.get("_target_url", "/"))


@app.get("/oauth/huggingface/logout")
async def oauth_logout(request: fastapi.Request):
    request.session.pop("oauth_info", None)
    return RedirectResponse(request.query_params.get("_target_url", "/"))


@app.get("/me")
async def me(request: fastapi.Request):
    """What parse_huggingface_oauth reads from the session."""
    data = request.session.get("oauth_info")
    if data is None:
        return JSONResponse(None)
    u = data.get("userinfo", {})
    return JSONResponse({
        "access_token": bool(data.get("access_token")),
        "expires_at": data.get("expires_at"),
        "scope": data.get("scope"),
        "user_info": {
            "sub": u.get("sub"), "name": u.get("name"), "preferred_username": u.get("preferred_username"),
            "email_verified": u.get("email_verified"), "email": u.get("email"), "picture": u.get("picture"),
            "profile": u.get("profile"), "is_pro": u.get("isPro"), "can_pay": u.get("canPay"),
        },
    })


# uvicorn --proxy-headers, trusting the proxy in front (TestClient's peer
# is "testclient", as hubid's proxy is 127.0.0.1 to a real uvicorn).
asgi = ProxyHeadersMiddleware(app, trusted_hosts="testclient")

# The headers hubid's Space proxy sets on every request it forwards.
proxy_headers = {}
if PROTO:
    proxy_headers = {"x-forwarded-for": "127.0.0.1", "x-forwarded-host": SPACE_HOST, "x-forwarded-proto": PROTO}


def browse(browser, url):
    """Sign in and allow on the hub's pages; return the URL the hub sends
    the browser to (the app's callback), or the hub's page when it
    refuses."""
    resp = browser.get(url, allow_redirects=False)
    for _ in range(10):
        if resp.status_code in (302, 303):
            location = urljoin(resp.url, resp.headers["Location"])
            if not location.startswith(ISSUER):
                return location, None
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
            return None, {"status": resp.status_code, "page": re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))[:400]}
    raise SystemExit("too many steps")


result = {
    "authlib": authlib.__version__, "fastapi": fastapi.__version__,
    "starlette": starlette.__version__, "uvicorn": uvicorn.__version__,
}
# The proxy talks plain http to the app, so the app sees http unless the
# proxy headers say otherwise.
with TestClient(asgi, base_url="http://" + SPACE_HOST, headers=proxy_headers) as space:
    login = space.get("/oauth/huggingface/login?theme=dark", follow_redirects=False)
    if login.status_code != 302:
        raise SystemExit(f"login: {login.status_code} {login.text[:300]}")
    result["authorize_url"] = login.headers["location"]
    callback, refused = browse(requests.Session(), result["authorize_url"])
    if refused:
        result["refused"] = refused
        print(json.dumps(result))
        sys.exit(0)
    result["callback"] = callback
    parts = urllib.parse.urlsplit(callback)

    def get(path):
        # The session cookie is Secure: the browser sends it to the proxy
        # over https, and the proxy passes it on over http; this client
        # stands for both, so it sends the cookie over http.
        for c in space.cookies.jar:
            c.secure = False
        return space.get(path, follow_redirects=False)

    done = get(parts.path + "?" + parts.query)
    if done.status_code != 307:
        raise SystemExit(f"callback: {done.status_code} {done.text[:500]}")
    result["after_callback"] = done.headers["location"]
    result["me"] = get("/me").json()
    out = get("/oauth/huggingface/logout?_target_url=%2Fbye")
    result["after_logout"] = out.headers.get("location")
    result["me_after_logout"] = get("/me").json()

print(json.dumps(result))
