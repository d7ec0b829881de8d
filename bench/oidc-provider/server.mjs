// node oidc-provider as the peer of hubid's flow benchmark (bench/compare),
// configured like `hubid dev`: one confidential client with
// client_secret_basic and no PKCE requirement, an RS256 (or ES256) key made
// at start, scopes openid profile email with the profile and email claims
// in the ID token too, the dev login and consent pages, an in-memory store.
// Environment: PORT (3000; 0 picks a free one), ALG (RS256|ES256),
// CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, PID_FILE. Listens on 127.0.0.1
// only; prints "oidc-provider ALG listening on ISSUER" when ready.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const env = (k, d) => process.env[k] || d;
const port = Number(env('PORT', '3000'));
const alg = env('ALG', 'RS256');
if (!['RS256', 'ES256'].includes(alg)) throw new Error(`ALG=${alg}: use RS256 or ES256`);

const pair = alg === 'RS256'
  ? generateKeyPairSync('rsa', { modulusLength: 2048 })
  : generateKeyPairSync('ec', { namedCurve: 'P-256' });
const key = { ...pair.privateKey.export({ format: 'jwk' }), alg, use: 'sig', kid: `bench-${alg}` };

// A Map with expiry. The built-in memory adapter is an LRU capped at 1,000
// entries, which evicts live sessions under load; this one is unbounded
// and drops expired entries on read and every 5 s.
const entries = new Map(); // `${model}:${id}` -> { payload, exp }
const sessionIDs = new Map(); // session uid -> session id
const grantKeys = new Map(); // grantId -> Set of entry keys
class MapAdapter {
  constructor(model) { this.model = model; }
  key(id) { return `${this.model}:${id}`; }
  async upsert(id, payload, expiresIn) {
    const k = this.key(id);
    entries.set(k, { payload, exp: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
    if (this.model === 'Session') sessionIDs.set(payload.uid, id);
    if (payload.grantId) {
      if (!grantKeys.has(payload.grantId)) grantKeys.set(payload.grantId, new Set());
      grantKeys.get(payload.grantId).add(k);
    }
  }
  async find(id) {
    const e = entries.get(this.key(id));
    if (!e) return undefined;
    if (e.exp <= Date.now()) { entries.delete(this.key(id)); return undefined; }
    return e.payload;
  }
  async findByUid(uid) { const id = sessionIDs.get(uid); return id && this.find(id); }
  async findByUserCode() { return undefined; }
  async consume(id) { const e = entries.get(this.key(id)); if (e) e.payload.consumed = Math.floor(Date.now() / 1000); }
  async destroy(id) { entries.delete(this.key(id)); }
  async revokeByGrantId(grantId) {
    for (const k of grantKeys.get(grantId) ?? []) entries.delete(k);
    grantKeys.delete(grantId);
  }
}
setInterval(() => {
  const now = Date.now();
  for (const [k, e] of entries) if (e.exp <= now) entries.delete(k);
  for (const keys of grantKeys.values()) for (const k of keys) if (!entries.has(k)) keys.delete(k);
}, 5000).unref();

const server = createServer();
await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;
const provider = new Provider(issuer, {
  adapter: MapAdapter,
  clients: [{
    client_id: env('CLIENT_ID', 'bench-client'),
    client_secret: env('CLIENT_SECRET', 'bench-secret-0123456789abcdef0123456789abcdef'),
    redirect_uris: [env('REDIRECT_URI', 'http://127.0.0.1:9999/login/callback')],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: alg,
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  jwks: { keys: [key] },
  scopes: ['openid', 'profile', 'email'],
  claims: { openid: ['sub'], profile: ['name', 'preferred_username', 'picture', 'profile'], email: ['email', 'email_verified'] },
  // hubid puts the profile and email claims in the ID token as well.
  conformIdTokenClaims: false,
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => ({
      sub: id, name: `User ${id}`, preferred_username: id, picture: `${issuer}/avatars/${id}.png`,
      profile: `${issuer}/${id}`, email: `${id}@example.com`, email_verified: true,
    }),
  }),
  features: { devInteractions: { enabled: true } },
  // hubid does not require PKCE from confidential clients; neither does the
  // default for client_secret_basic, but say so.
  pkce: { required: () => false },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  // hubid's lifetimes: code 60 s, access token 8 h, ID token 1 h, session 30 days.
  ttl: { AuthorizationCode: 60, AccessToken: 8 * 3600, IdToken: 3600, Session: 30 * 86400, Grant: 30 * 86400, Interaction: 3600 },
});

server.on('request', provider.callback());
if (process.env.PID_FILE) writeFileSync(process.env.PID_FILE, `${process.pid}\n`);
console.log(`oidc-provider ${alg} listening on ${issuer}`);
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
