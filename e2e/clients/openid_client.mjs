// Sign in to a hub with openid-client 6 (an OpenID-certified relying party):
// discovery, an authorization URL with PKCE, state and nonce, the code grant
// with full ID-token validation, userinfo (whose sub must equal the ID
// token's), and a refresh. The hub's login and consent pages are driven with
// fetch and a hand-kept cookie. Prints a JSON summary.
//
// Usage: node openid_client.mjs ISSUER CLIENT_ID CLIENT_SECRET REDIRECT_URI USERNAME PASSWORD
import * as client from "openid-client";
import { readFileSync } from "node:fs";

const [issuer, clientId, clientSecret, redirectUri, username, password] = process.argv.slice(2);
const version = JSON.parse(readFileSync(new URL("../node_modules/openid-client/package.json", import.meta.url))).version;

const config = await client.discovery(new URL(issuer), clientId, clientSecret, client.ClientSecretBasic(clientSecret), {
  execute: [client.allowInsecureRequests],
});

const codeVerifier = client.randomPKCECodeVerifier();
const state = client.randomState();
const nonce = client.randomNonce();
const authURL = client.buildAuthorizationUrl(config, {
  redirect_uri: redirectUri,
  scope: "openid profile email",
  code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
  code_challenge_method: "S256",
  state,
  nonce,
});

// A tiny browser: one cookie jar for the hub's origin, no automatic redirects.
const jar = new Map();
async function go(url, init = {}) {
  const headers = { ...(init.headers || {}), cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") };
  const resp = await fetch(url, { ...init, headers, redirect: "manual" });
  for (const c of resp.headers.getSetCookie()) {
    const [pair] = c.split(";");
    const i = pair.indexOf("=");
    jar.set(pair.slice(0, i), pair.slice(i + 1));
  }
  return resp;
}
function hidden(html) {
  const out = new URLSearchParams();
  const unescape = (s) => s.replace(/&#34;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&#43;/g, "+").replace(/&amp;/g, "&");
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) out.set(unescape(m[1]), unescape(m[2]));
  return out;
}

let resp = await go(authURL.href);
let callback;
for (let i = 0; i < 10 && !callback; i++) {
  if (resp.status === 302 || resp.status === 303) {
    const loc = new URL(resp.headers.get("location"), issuer);
    if (loc.origin !== new URL(issuer).origin) callback = loc;
    else resp = await go(loc.href);
    continue;
  }
  const html = await resp.text();
  const form = hidden(html);
  const post = (path) => go(new URL(path, issuer).href, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form.toString(),
  });
  if (html.includes('name="password"')) {
    form.set("username", username);
    form.set("password", password);
    resp = await post("/login");
  } else if (html.includes('name="consent_token"')) {
    form.set("consent", "allow");
    resp = await post("/oauth/authorize");
  } else {
    throw new Error(`unexpected page ${resp.status}: ${html.slice(0, 300)}`);
  }
}
if (!callback) throw new Error("never reached the callback");

const tokens = await client.authorizationCodeGrant(config, callback, {
  pkceCodeVerifier: codeVerifier,
  expectedState: state,
  expectedNonce: nonce,
  idTokenExpected: true,
});
const claims = tokens.claims();
const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);

console.log(JSON.stringify({
  openidClient: version,
  scope: tokens.scope,
  expiresIn: tokens.expires_in,
  claims,
  userinfo,
  refreshed: {
    newAccessToken: refreshed.access_token !== tokens.access_token,
    newRefreshToken: typeof refreshed.refresh_token === "string" && refreshed.refresh_token !== tokens.refresh_token,
    sub: refreshed.claims()?.sub,
  },
}));
