// Throwaway OAuth 2.0 / OpenID Connect authorization server for mcpcheck's
// integration tests, built on the OpenID-Certified `oidc-provider` package.
// Normally started through scripts/oidc.sh, not by hand.
//
//   node scripts/oidc/server.mjs
//
// Listens on 127.0.0.1 (port OIDC_PORT, default 0 = any free port). When the
// server is ready it prints exactly one line on stdout:
//
//   ISSUER=http://127.0.0.1:PORT
//
// Everything else (request log, provider notices, errors) goes to stderr.
//
// What it offers:
//   * one confidential client, OIDC_CLIENT_ID / OIDC_CLIENT_SECRET
//     (default mcpcheck / mcpcheck-secret), registered for client_secret_basic
//     (oidc-provider also takes client_secret_post for such a client), allowed
//     only the client_credentials grant;
//   * resource indicators (RFC 8707): every absolute URI is accepted as a
//     resource, and a token requested for it is an ES256-signed JWT access
//     token (RFC 9068, typ at+jwt) whose aud is that URI, valid for
//     OIDC_ACCESS_TOKEN_TTL seconds (default 300);
//   * scopes `mcp` and `mcp:admin`: the token's scope is the requested subset;
//   * signing keys that are generated at every start (P-256 for access tokens,
//     RSA for ID tokens, which this setup never issues) and published at the
//     jwks_uri;
//   * token introspection and revocation for that client;
//   * discovery at /.well-known/openid-configuration only: oidc-provider 8.x
//     does not serve /.well-known/oauth-authorization-server (RFC 8414), so
//     clients use their OpenID Connect Discovery fallback (9.x serves both,
//     but wants Node.js 22 or later).
// State lives in memory only; nothing survives a restart.

import * as crypto from 'node:crypto';
import * as http from 'node:http';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// oidc-provider writes its notices with console.info, i.e. to stdout; stdout
// is reserved for the ISSUER= line, so send all console output to stderr.
for (const method of ['log', 'info', 'debug']) {
  console[method] = console.error;
}

// The dependencies live in OIDC_DEPS_DIR/node_modules (scripts/oidc.sh installs
// them in a cache directory under target/), or else next to this file (after
// `npm ci` in scripts/oidc). ES module imports ignore NODE_PATH, hence the
// explicit resolution.
const depsDir = path.resolve(process.env.OIDC_DEPS_DIR || path.dirname(fileURLToPath(import.meta.url)));
let providerPath;
try {
  providerPath = createRequire(path.join(depsDir, 'package.json')).resolve('oidc-provider');
} catch {
  fail(`oidc-provider is not installed in ${depsDir}/node_modules; run scripts/oidc.sh start DIR, or npm ci in scripts/oidc`);
}
const { default: Provider } = await import(pathToFileURL(providerPath).href);

const CLIENT_ID = process.env.OIDC_CLIENT_ID || 'mcpcheck';
const CLIENT_SECRET = process.env.OIDC_CLIENT_SECRET || 'mcpcheck-secret';
const SCOPES = ['mcp', 'mcp:admin'];
const ACCESS_TOKEN_TTL = positiveInt('OIDC_ACCESS_TOKEN_TTL', 300);
const PORT = nonNegativeInt('OIDC_PORT', 0);
const HOST = '127.0.0.1';

function nonNegativeInt(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) {
    fail(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  }
  return n;
}

function positiveInt(name, fallback) {
  const n = nonNegativeInt(name, fallback);
  if (n === 0) fail(`${name} must be positive`);
  return n;
}

function fail(message) {
  console.error(`oidc server: ${message}`);
  process.exit(1);
}

// RFC 7638 thumbprint of the public part of a JWK, used as its kid.
function thumbprint(jwk) {
  const members = {
    EC: ['crv', 'kty', 'x', 'y'],
    RSA: ['e', 'kty', 'n'],
  }[jwk.kty];
  const canonical = JSON.stringify(Object.fromEntries(members.map((m) => [m, jwk[m]])));
  return crypto.createHash('sha256').update(canonical).digest('base64url');
}

function signingJwk(type, options, alg) {
  const { privateKey } = crypto.generateKeyPairSync(type, options);
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: thumbprint(jwk), use: 'sig', alg };
}

const keys = [
  // First, so it is the key picked for ES256 access tokens.
  signingJwk('ec', { namedCurve: 'P-256' }, 'ES256'),
  // ID tokens default to RS256; none are issued here, but keep the
  // provider's defaults satisfiable.
  signingJwk('rsa', { modulusLength: 2048 }, 'RS256'),
];

function configuration() {
  return {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: SCOPES.join(' '),
      },
    ],
    jwks: { keys },
    scopes: ['openid', 'offline_access', ...SCOPES],
    cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // No default: the client has to name the resource (as MCP clients do).
        // Without one the token is an opaque, audience-less token.
        defaultResource: () => undefined,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, resourceIndicator) => ({
          scope: SCOPES.join(' '),
          audience: resourceIndicator,
          accessTokenTTL: ACCESS_TOKEN_TTL,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
    ttl: {
      AccessToken: (ctx, token) => token.resourceServer?.accessTokenTTL || ACCESS_TOKEN_TTL,
      ClientCredentials: (ctx, token) => token.resourceServer?.accessTokenTTL || ACCESS_TOKEN_TTL,
    },
    // No browser flows are configured; keep CORS closed.
    clientBasedCORS: () => false,
  };
}

let handler = (req, res) => {
  res.writeHead(503, { 'content-type': 'text/plain' });
  res.end('starting\n');
};

const server = http.createServer((req, res) => handler(req, res));
server.on('error', (err) => fail(`cannot listen on ${HOST}:${PORT}: ${err.message}`));

server.listen(PORT, HOST, () => {
  const { port } = server.address();
  const issuer = `http://${HOST}:${port}`;

  const provider = new Provider(issuer, configuration());

  // One stderr line per request, plus the reason for every error response.
  provider.use(async (ctx, next) => {
    const started = Date.now();
    await next();
    console.error(`${new Date().toISOString()} ${ctx.method} ${ctx.path} -> ${ctx.status} (${Date.now() - started} ms)`);
  });
  for (const event of ['grant.error', 'server_error', 'introspection.error', 'revocation.error', 'discovery.error', 'jwks.error']) {
    provider.on(event, (ctx, err) => {
      const detail = err.error_description ? `: ${err.error_description}` : '';
      console.error(`${event}: ${err.error || err.name}${detail}`);
      if (event === 'server_error') console.error(err);
    });
  }

  handler = provider.callback();
  console.error(`oidc server: issuer ${issuer}, client ${CLIENT_ID}, oidc-provider ready (pid ${process.pid})`);
  process.stdout.write(`ISSUER=${issuer}\n`);
});

// Nothing to flush (all state is in memory): exit right away.
function shutdown(signal) {
  console.error(`oidc server: ${signal}, exiting`);
  process.exit(0);
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
