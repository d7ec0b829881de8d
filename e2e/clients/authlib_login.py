"""Sign in to a hub the way gradio and huggingface_hub do, with authlib.

gradio's LoginButton and huggingface_hub's attach_huggingface_oauth register
an authlib client with server_metadata_url, a client secret
(client_secret_basic), the scopes from OAUTH_SCOPES, no PKCE and a nonce,
and read the user from the validated ID token's claims. This script does
the same with authlib's requests client, drives the hub's login form and
consent page with requests, and prints what the app would see as JSON.

Usage: authlib_login.py ISSUER CLIENT_ID CLIENT_SECRET REDIRECT_URI SCOPES USERNAME PASSWORD
"""

import json
import re
import sys
from html import unescape
from urllib.parse import urljoin

import authlib
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt
from authlib.oidc.core import CodeIDToken


def browse(browser, url, username, password):
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
            fields.update(username=username, password=password)
            resp = browser.post(urljoin(ISSUER, "/login"), data=fields, allow_redirects=False)
        elif 'name="consent_token"' in page:
            fields["consent"] = "allow"
            resp = browser.post(urljoin(ISSUER, "/oauth/authorize"), data=fields, allow_redirects=False)
        else:
            raise SystemExit(f"unexpected page {resp.status_code}: {page[:300]}")
    raise SystemExit("too many steps")


ISSUER, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, SCOPES, USERNAME, PASSWORD = sys.argv[1:8]

metadata = requests.get(ISSUER + "/.well-known/openid-configuration", timeout=10).json()
client = OAuth2Session(CLIENT_ID, CLIENT_SECRET, scope=SCOPES, redirect_uri=REDIRECT_URI,
                       token_endpoint_auth_method="client_secret_basic")
nonce = generate_token(20)
url, state = client.create_authorization_url(metadata["authorization_endpoint"], nonce=nonce)

callback = browse(requests.Session(), url, USERNAME, PASSWORD)
token = client.fetch_token(metadata["token_endpoint"], authorization_response=callback)

jwks = requests.get(metadata["jwks_uri"], timeout=10).json()
claims = jwt.decode(
    token["id_token"],
    JsonWebKey.import_key_set(jwks),
    claims_cls=CodeIDToken,
    claims_options={"iss": {"values": [metadata["issuer"]]}},
    claims_params={"nonce": nonce, "client_id": CLIENT_ID},
)
claims.validate(leeway=120)

print(json.dumps({
    "authlib": authlib.__version__,
    "callback": callback,
    "scope": token.get("scope"),
    "token_type": token.get("token_type"),
    "expires_in": token.get("expires_in"),
    "has_expires_at": "expires_at" in token,
    "userinfo": dict(claims),
}))
