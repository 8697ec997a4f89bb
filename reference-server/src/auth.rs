//! OAuth 2.1 protected-resource mode (`--auth`): a bearer-token gate in front of `/mcp`, the
//! protected resource metadata (RFC 9728) and, unless an external issuer is trusted, a built-in
//! authorization server on the same origin offering the client credentials grant (RFC 8414
//! metadata, a JWKS and a token endpoint minting ES256 JWT access tokens in the RFC 9068 shape).
//!
//! Tokens are verified with the issuer's published keys only, and the claims are checked here
//! rather than by the JWT library so that each fault mode can switch off exactly one check and
//! every rejection can say why.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Map, Value, json};

use crate::faults::FaultKind as F;
use crate::server::{AppState, Conn};

/// Client id of the built-in authorization server's only client.
pub const DEFAULT_CLIENT_ID: &str = "mcpcheck";
/// Client secret of that client.
pub const DEFAULT_CLIENT_SECRET: &str = "mcpcheck-secret";
/// Needed by every MCP request on a protected server.
pub const SCOPE_BASE: &str = "mcp";
/// Needed (in addition, or as a broader scope that implies `mcp`) by the scope-gated tool.
pub const SCOPE_ADMIN: &str = "mcp:admin";
/// The scope-gated fixture tool, offered only in --auth mode.
pub const SCOPED_TOOL: &str = "test_admin_tool";

const SCOPES: [&str; 2] = [SCOPE_BASE, SCOPE_ADMIN];
/// Clock skew tolerated on `exp` and `nbf`.
const LEEWAY_SECS: f64 = 30.0;
/// An external issuer's JWKS is fetched again for an unknown `kid` at most this often.
const JWKS_REFRESH: Duration = Duration::from_secs(10);
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
const PRM_PATH: &str = "/.well-known/oauth-protected-resource";
const AS_METADATA_PATH: &str = "/.well-known/oauth-authorization-server";
const TOKEN_PATH: &str = "/oauth/token";
const JWKS_PATH: &str = "/oauth/jwks";
const RESOURCE_NAME: &str = "mcpcheck reference server";

/// Protected-resource mode settings (`Config::auth`).
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// Trust this external issuer (keys from its JWKS, found through its RFC 8414 metadata at
    /// `/.well-known/oauth-authorization-server[/path]`, falling back to OpenID discovery
    /// `<issuer>/.well-known/openid-configuration`); `None`: the built-in authorization server.
    pub issuer: Option<String>,
    /// The built-in authorization server's client id.
    pub client_id: String,
    /// The built-in authorization server's client secret.
    pub client_secret: String,
    /// Lifetime of the tokens the built-in authorization server mints.
    pub token_lifetime_secs: u64,
    /// PEM file with a PKCS#8 P-256 private key for the built-in AS; None: generated at start.
    pub signing_key: Option<PathBuf>,
    /// The canonical server URI (token audience, PRM `resource`); None: `http://ADDR/mcp`.
    pub resource: Option<String>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            issuer: None,
            client_id: DEFAULT_CLIENT_ID.to_string(),
            client_secret: DEFAULT_CLIENT_SECRET.to_string(),
            token_lifetime_secs: 300,
            signing_key: None,
            resource: None,
        }
    }
}

/// A handle on the built-in authorization server of a running protected server.
#[derive(Clone)]
pub struct Issuer {
    inner: Arc<Signer>,
}

struct Signer {
    issuer: String,
    client_id: String,
    lifetime: u64,
    kid: String,
    key: EncodingKey,
    /// The public key as published in the JWKS.
    jwk: Value,
}

impl std::fmt::Debug for Issuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("Issuer")
            .field("issuer", &self.inner.issuer)
            .field("kid", &self.inner.kid)
            .finish()
    }
}

impl Issuer {
    /// The issuer identifier (also the `authorization_servers` entry of the PRM).
    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    /// A token signed by this AS's key, as its token endpoint would mint one, but with
    /// `exp = now + exp_offset_secs` (negative: already expired; then iat/nbf are set before exp).
    pub fn mint(&self, audience: &str, scope: &str, exp_offset_secs: i64) -> String {
        let now = unix_now();
        let exp = now.saturating_add(exp_offset_secs);
        // An expired token still reads as issued before it expired.
        let iat = if exp > now {
            now
        } else {
            exp.saturating_sub(lifetime_i64(self.inner.lifetime).max(1))
        };
        self.sign(audience, scope, iat, exp)
    }

    fn sign(&self, audience: &str, scope: &str, iat: i64, exp: i64) -> String {
        let s = &self.inner;
        let claims = json!({
            "iss": s.issuer,
            "sub": s.client_id,
            "client_id": s.client_id,
            "aud": audience,
            "scope": scope,
            "iat": iat,
            "nbf": iat,
            "exp": exp,
            "jti": uuid::Uuid::new_v4().to_string(),
        });
        let mut header = Header::new(Algorithm::ES256);
        header.typ = Some("at+jwt".to_string());
        header.kid = Some(s.kid.clone());
        // The key was validated at start, so signing cannot fail; an empty token would simply
        // be rejected.
        jsonwebtoken::encode(&header, &claims, &s.key).unwrap_or_default()
    }
}

fn lifetime_i64(secs: u64) -> i64 {
    i64::try_from(secs).unwrap_or(i64::MAX)
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| lifetime_i64(d.as_secs()))
        .unwrap_or(0)
}

fn other(msg: impl Into<String>) -> io::Error {
    io::Error::other(msg.into())
}

// ---------------------------------------------------------------------------------------------
// Keys

/// The built-in AS's signing key: a P-256 key pair from `path` (PKCS#8, or SEC1 for
/// convenience) or freshly generated.
fn load_signer(config: &AuthConfig, issuer: &str) -> io::Result<Signer> {
    let alg = &ECDSA_P256_SHA256_FIXED_SIGNING;
    let pair = match &config.signing_key {
        None => {
            let doc = EcdsaKeyPair::generate_pkcs8(alg, &SystemRandom::new())
                .map_err(|_| other("cannot generate a P-256 signing key"))?;
            EcdsaKeyPair::from_pkcs8(alg, doc.as_ref())
                .map_err(|e| other(format!("generated signing key rejected: {e}")))?
        }
        Some(path) => {
            let der = read_pem(path)?;
            EcdsaKeyPair::from_private_key_der(alg, &der).map_err(|e| {
                other(format!(
                    "signing key {}: not a P-256 private key: {e}",
                    path.display()
                ))
            })?
        }
    };
    let pkcs8 = pair
        .to_pkcs8v1()
        .map_err(|_| other("cannot serialise the signing key"))?;
    let point = pair.public_key().as_ref();
    // An uncompressed P-256 point: 0x04 || X (32 bytes) || Y (32 bytes).
    if point.len() != 65 || point[0] != 4 {
        return Err(other("unexpected public key encoding"));
    }
    let x = URL_SAFE_NO_PAD.encode(&point[1..33]);
    let y = URL_SAFE_NO_PAD.encode(&point[33..65]);
    let kid = thumbprint(&x, &y);
    let jwk = json!({"kty": "EC", "crv": "P-256", "x": x, "y": y, "kid": kid, "alg": "ES256", "use": "sig"});
    Ok(Signer {
        issuer: issuer.to_string(),
        client_id: config.client_id.clone(),
        lifetime: config.token_lifetime_secs,
        kid,
        key: EncodingKey::from_ec_der(pkcs8.as_ref()),
        jwk,
    })
}

/// RFC 7638 JWK thumbprint of a P-256 public key: a stable `kid` for a given key.
fn thumbprint(x: &str, y: &str) -> String {
    use sha2::Digest as _;
    let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(canonical.as_bytes()))
}

/// The DER body of the private key block of a PEM file.
fn read_pem(path: &Path) -> io::Result<Vec<u8>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| io::Error::new(e.kind(), format!("signing key {}: {e}", path.display())))?;
    let bad = |why: &str| other(format!("signing key {}: {why}", path.display()));
    if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        return Err(bad("encrypted keys are not supported"));
    }
    let mut body = String::new();
    let mut inside = false;
    for line in text.lines().map(str::trim) {
        if line == "-----BEGIN PRIVATE KEY-----" || line == "-----BEGIN EC PRIVATE KEY-----" {
            inside = true;
        } else if inside && line.starts_with("-----END ") {
            return STANDARD
                .decode(body)
                .map_err(|_| bad("the PEM block is not valid base64"));
        } else if inside {
            body.push_str(line);
        }
    }
    Err(bad("no PRIVATE KEY PEM block found"))
}

/// A key tokens may be verified with, and the algorithms it may be used with.
#[derive(Clone)]
struct VerifyKey {
    kid: Option<String>,
    algs: Vec<Algorithm>,
    key: DecodingKey,
}

impl VerifyKey {
    /// A signature key from a JWK: asymmetric only (never `oct`), algorithms limited to those
    /// of its type and curve, and to its own `alg` when it names one.
    fn from_jwk(jwk: &Jwk) -> Option<VerifyKey> {
        if jwk.common.public_key_use == Some(PublicKeyUse::Encryption) {
            return None;
        }
        let by_type: &[Algorithm] = match &jwk.algorithm {
            AlgorithmParameters::EllipticCurve(p) => match p.curve {
                EllipticCurve::P256 => &[Algorithm::ES256],
                EllipticCurve::P384 => &[Algorithm::ES384],
                _ => return None,
            },
            AlgorithmParameters::RSA(_) => &[
                Algorithm::RS256,
                Algorithm::RS384,
                Algorithm::RS512,
                Algorithm::PS256,
                Algorithm::PS384,
                Algorithm::PS512,
            ],
            AlgorithmParameters::OctetKeyPair(p) if p.curve == EllipticCurve::Ed25519 => {
                &[Algorithm::EdDSA]
            }
            _ => return None,
        };
        let algs: Vec<Algorithm> = match jwk.common.key_algorithm {
            Some(named) => {
                let named: Algorithm = named.to_string().parse().ok()?;
                by_type.contains(&named).then(|| vec![named])?
            }
            None => by_type.to_vec(),
        };
        Some(VerifyKey {
            kid: jwk.common.key_id.clone(),
            algs,
            key: DecodingKey::from_jwk(jwk).ok()?,
        })
    }
}

/// The usable keys of a JWKS document (keys that cannot be used are skipped).
fn parse_jwks(doc: &Value) -> Vec<VerifyKey> {
    doc.get("keys")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|k| serde_json::from_value::<Jwk>(k.clone()).ok())
        .filter_map(|k| VerifyKey::from_jwk(&k))
        .collect()
}

async fn fetch_json(http: &reqwest::Client, url: &str) -> Result<Value, String> {
    let resp = http.get(url).send().await.map_err(|e| e.to_string())?;
    let status = resp.status();
    if !status.is_success() {
        return Err(format!("HTTP {status}"));
    }
    resp.json::<Value>()
        .await
        .map_err(|e| format!("not JSON: {e}"))
}

async fn fetch_jwks(http: &reqwest::Client, url: &str) -> Result<Vec<VerifyKey>, String> {
    let keys = parse_jwks(&fetch_json(http, url).await?);
    if keys.is_empty() {
        return Err(format!("JWKS {url} has no usable signature key"));
    }
    Ok(keys)
}

/// The `jwks_uri` of an external issuer: RFC 8414 metadata first, then OpenID discovery. The
/// metadata must name exactly this issuer (RFC 8414 §3.3).
async fn discover_jwks_uri(http: &reqwest::Client, issuer: &str) -> Result<String, String> {
    let parsed = url::Url::parse(issuer).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https")
        || parsed.query().is_some()
        || parsed.fragment().is_some()
    {
        return Err("an issuer is an http(s) URL without query or fragment".into());
    }
    let origin = parsed.origin().ascii_serialization();
    let path = parsed.path().trim_end_matches('/');
    let candidates = [
        format!("{origin}{AS_METADATA_PATH}{path}"),
        format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        ),
    ];
    let mut problems = Vec::new();
    for url in candidates {
        match fetch_json(http, &url).await {
            Ok(m) if m.get("issuer").and_then(Value::as_str) != Some(issuer) => {
                problems.push(format!("{url}: issuer is {}, not {issuer}", m["issuer"]));
            }
            Ok(m) => match m.get("jwks_uri").and_then(Value::as_str) {
                Some(uri) => return Ok(uri.to_string()),
                None => problems.push(format!("{url}: no jwks_uri")),
            },
            Err(e) => problems.push(format!("{url}: {e}")),
        }
    }
    Err(problems.join("; "))
}

// ---------------------------------------------------------------------------------------------
// The protected resource

/// What a token with every scope grants (fault modes that skip validation).
const FULL_GRANT: Grant = Grant {
    base: true,
    admin: true,
};

/// What a verified token allows.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Grant {
    /// `mcp` (or `mcp:admin`, which implies it).
    pub base: bool,
    /// `mcp:admin`.
    pub admin: bool,
}

/// Why a request to `/mcp` is refused.
enum Rejection {
    /// No bearer token at all.
    Missing,
    /// The Authorization header is malformed (400 `invalid_request`).
    Malformed(String),
    /// The token is not acceptable (401 `invalid_token`).
    Invalid(String),
    /// The token lacks this scope (403 `insufficient_scope`).
    Scope(&'static str),
}

struct KeyCache {
    keys: Arc<Vec<VerifyKey>>,
    fetched: Instant,
}

/// Protected-resource state of a running server.
pub(crate) struct Auth {
    fault: Option<F>,
    /// `http://ADDR`: where the well-known documents are served.
    origin: String,
    /// The canonical URI of the MCP endpoint (the audience tokens must name).
    resource: String,
    /// The trusted issuer.
    issuer: String,
    client_id: String,
    client_secret: String,
    lifetime: u64,
    /// The built-in authorization server (`None` when an external issuer is trusted).
    signer: Option<Issuer>,
    /// An external issuer's JWKS location (re-fetched for unknown key ids).
    jwks_uri: Option<String>,
    http: reqwest::Client,
    keys: Mutex<KeyCache>,
    /// Grants by connection (`auth-sticky-connection` only).
    sticky: Mutex<HashMap<Conn, Grant>>,
}

impl Auth {
    /// Sets protected-resource mode up for a server bound to `addr`: loads or generates the
    /// built-in AS's key, or fetches the external issuer's metadata and keys.
    pub(crate) async fn build(
        config: &AuthConfig,
        addr: SocketAddr,
        fault: Option<F>,
    ) -> io::Result<Auth> {
        let origin = format!("http://{addr}");
        let resource = config
            .resource
            .clone()
            .unwrap_or_else(|| format!("{origin}/mcp"));
        if url::Url::parse(&resource).is_err() || resource.contains('#') {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("resource {resource:?} is not an absolute URI without fragment"),
            ));
        }
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .build()
            .map_err(|e| other(format!("cannot build an HTTP client: {e}")))?;
        let (issuer, signer, jwks_uri, keys) = match &config.issuer {
            Some(issuer) => {
                if config.signing_key.is_some() {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "a signing key is for the built-in authorization server, not with an external issuer",
                    ));
                }
                let fail = |e: String| other(format!("issuer {issuer}: {e}"));
                let jwks_uri = discover_jwks_uri(&http, issuer).await.map_err(fail)?;
                let keys = fetch_jwks(&http, &jwks_uri).await.map_err(fail)?;
                (issuer.clone(), None, Some(jwks_uri), keys)
            }
            None => {
                let signer = load_signer(config, &origin)?;
                let jwk: Jwk = serde_json::from_value(signer.jwk.clone())
                    .map_err(|e| other(format!("own JWK unreadable: {e}")))?;
                let key = VerifyKey::from_jwk(&jwk).ok_or_else(|| other("own JWK unusable"))?;
                let issuer = Issuer {
                    inner: Arc::new(signer),
                };
                (origin.clone(), Some(issuer), None, vec![key])
            }
        };
        Ok(Auth {
            fault,
            origin,
            resource,
            issuer,
            client_id: config.client_id.clone(),
            client_secret: config.client_secret.clone(),
            lifetime: config.token_lifetime_secs,
            signer,
            jwks_uri,
            http,
            keys: Mutex::new(KeyCache {
                keys: Arc::new(keys),
                fetched: Instant::now(),
            }),
            sticky: Mutex::new(HashMap::new()),
        })
    }

    fn has(&self, f: F) -> bool {
        self.fault == Some(f)
    }

    /// The built-in authorization server, if this server runs one.
    pub(crate) fn issuer_handle(&self) -> Option<Issuer> {
        self.signer.clone()
    }

    fn resource_metadata_url(&self) -> String {
        format!("{}{PRM_PATH}/mcp", self.origin)
    }

    /// Scopes the 401 challenge asks for.
    fn challenge_scope(&self) -> &'static str {
        if self.has(F::AuthOfflineAccess) {
            "mcp offline_access"
        } else {
            SCOPE_BASE
        }
    }

    /// Authenticates a request to `/mcp` before anything else looks at it; `body` (POST only)
    /// is peeked at for calls of the scope-gated tool.
    pub(crate) async fn authenticate(
        &self,
        conn: Conn,
        headers: &HeaderMap,
        uri: &Uri,
        body: Option<&[u8]>,
    ) -> Result<Grant, Response> {
        self.check_request(conn, headers, uri, body)
            .await
            .map_err(|r| self.reject(r))
    }

    async fn check_request(
        &self,
        conn: Conn,
        headers: &HeaderMap,
        uri: &Uri,
        body: Option<&[u8]>,
    ) -> Result<Grant, Rejection> {
        let values: Vec<&HeaderValue> = headers.get_all(header::AUTHORIZATION).iter().collect();
        let token = match values.as_slice() {
            [] => None,
            [one] => bearer_token(one).map_err(Rejection::Malformed)?,
            _ => {
                return Err(Rejection::Malformed(
                    "more than one Authorization header".into(),
                ));
            }
        };
        let token = match token {
            Some(t) => t,
            None if values.is_empty() => {
                if self.has(F::AuthQueryToken)
                    && let Some(t) = query_token(uri)
                {
                    t
                } else if self.has(F::AuthStickyConnection)
                    && let Some(grant) = self.sticky_grant(conn)
                {
                    authorize(grant, body)?;
                    return Ok(grant);
                } else if self.has(F::AuthAnonymousAllowed) {
                    return Ok(FULL_GRANT);
                } else {
                    return Err(Rejection::Missing);
                }
            }
            // Another scheme (Basic, ...): as if no token were given.
            None if self.has(F::AuthAnonymousAllowed) => return Ok(FULL_GRANT),
            None => return Err(Rejection::Missing),
        };
        if self.has(F::AuthPresenceOnly) {
            return Ok(FULL_GRANT);
        }
        let grant = self.verify(&token).await.map_err(Rejection::Invalid)?;
        authorize(grant, body)?;
        if self.has(F::AuthStickyConnection) {
            let mut sticky = self.sticky.lock().unwrap_or_else(|e| e.into_inner());
            sticky.insert(conn, grant);
        }
        Ok(grant)
    }

    fn sticky_grant(&self, conn: Conn) -> Option<Grant> {
        let sticky = self.sticky.lock().unwrap_or_else(|e| e.into_inner());
        sticky.get(&conn).copied()
    }

    /// Verifies a bearer token; the error says why it is not acceptable.
    pub(crate) async fn verify(&self, token: &str) -> Result<Grant, String> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|e| format!("the token is not a readable JWT: {e}"))?;
        if header.crit.is_some() {
            // No JWS extension is understood here, so a critical one cannot be honoured.
            return Err("the token header lists critical extensions".into());
        }
        let embedded = self.has(F::AuthTrustsEmbeddedJwk) && header.jwk.is_some();
        let claims = if self.has(F::AuthUnverifiedSignature) {
            jsonwebtoken::dangerous::insecure_decode::<Value>(token)
                .map_err(|e| format!("the token is not a readable JWT: {e}"))?
                .claims
        } else if let Some(jwk) = header.jwk.as_ref().filter(|_| embedded) {
            let key = VerifyKey::from_jwk(jwk).ok_or("the header jwk is not a usable key")?;
            check_signature(token, header.alg, &[key])?
        } else {
            let keys = self.keys_for(&header).await?;
            check_signature(token, header.alg, &keys)?
        };
        self.check_claims(&claims, embedded)
    }

    /// The keys that may have signed a token with this header: those with its `kid` (all when
    /// it names none) that allow its `alg`. An unknown `kid` makes an external issuer's JWKS be
    /// fetched again (at most every [`JWKS_REFRESH`]), since the issuer may have rotated keys.
    async fn keys_for(&self, header: &Header) -> Result<Vec<VerifyKey>, String> {
        let mut keys = self.snapshot();
        if let Some(kid) = &header.kid
            && !keys.iter().any(|k| k.kid.as_ref() == Some(kid))
            && self.refresh().await
        {
            keys = self.snapshot();
        }
        let named: Vec<&VerifyKey> = keys
            .iter()
            .filter(|k| header.kid.is_none() || k.kid == header.kid)
            .collect();
        if named.is_empty() {
            return Err(format!(
                "no key with kid {} in the issuer's JWKS",
                header.kid.as_deref().unwrap_or("")
            ));
        }
        let usable: Vec<VerifyKey> = named
            .into_iter()
            .filter(|k| k.algs.contains(&header.alg))
            .cloned()
            .collect();
        if usable.is_empty() {
            return Err(format!(
                "alg {:?} is not allowed with the issuer's key",
                header.alg
            ));
        }
        Ok(usable)
    }

    fn snapshot(&self) -> Arc<Vec<VerifyKey>> {
        let cache = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        cache.keys.clone()
    }

    /// Fetches an external issuer's JWKS again unless that was tried recently; whether the keys
    /// were replaced.
    async fn refresh(&self) -> bool {
        let Some(uri) = &self.jwks_uri else {
            return false;
        };
        {
            let mut cache = self.keys.lock().unwrap_or_else(|e| e.into_inner());
            if cache.fetched.elapsed() < JWKS_REFRESH {
                return false;
            }
            cache.fetched = Instant::now();
        }
        match fetch_jwks(&self.http, uri).await {
            Ok(keys) => {
                let mut cache = self.keys.lock().unwrap_or_else(|e| e.into_inner());
                cache.keys = Arc::new(keys);
                true
            }
            Err(_) => false,
        }
    }

    /// Issuer, audience, lifetime and scope checks (each switched off by one fault mode).
    fn check_claims(&self, claims: &Value, skip_issuer: bool) -> Result<Grant, String> {
        let c = claims
            .as_object()
            .ok_or("the token claims are not a JSON object")?;
        if !skip_issuer && c.get("iss").and_then(Value::as_str) != Some(self.issuer.as_str()) {
            return Err(format!("iss is not the trusted issuer {}", self.issuer));
        }
        if !self.has(F::AuthNoAudienceCheck) {
            let names_us = |v: &Value| v.as_str().is_some_and(|a| same_uri(a, &self.resource));
            let ok = match c.get("aud") {
                Some(Value::Array(list)) => list.iter().any(names_us),
                Some(one) => names_us(one),
                None => false,
            };
            if !ok {
                return Err(format!("aud does not name this resource {}", self.resource));
            }
        }
        if !self.has(F::AuthAcceptsExpired) {
            let now = unix_now() as f64;
            let exp = c
                .get("exp")
                .and_then(Value::as_f64)
                .ok_or("the token has no numeric exp")?;
            if exp < now - LEEWAY_SECS {
                return Err("the token has expired".into());
            }
            if let Some(nbf) = c.get("nbf") {
                let nbf = nbf.as_f64().ok_or("nbf is not numeric")?;
                if nbf > now + LEEWAY_SECS {
                    return Err("the token is not valid yet (nbf)".into());
                }
            }
        }
        let scopes = token_scopes(c);
        let admin = scopes.iter().any(|s| s == SCOPE_ADMIN);
        Ok(Grant {
            base: admin || scopes.iter().any(|s| s == SCOPE_BASE),
            admin,
        })
    }

    /// The refusal of a request to `/mcp`: status, `WWW-Authenticate` challenge (RFC 6750 §3,
    /// with RFC 9728's `resource_metadata`) and a short JSON body.
    fn reject(&self, r: Rejection) -> Response {
        let meta = (!self.has(F::AuthNoPrm)).then(|| self.resource_metadata_url());
        let scoped = !self.has(F::AuthNoScopeInChallenge);
        let mut params: Vec<(&str, String)> = Vec::new();
        let (status, error, description) = match r {
            Rejection::Missing => {
                params.extend(meta.map(|m| ("resource_metadata", m)));
                if scoped {
                    params.push(("scope", self.challenge_scope().into()));
                }
                let d = "a bearer token is required".to_string();
                (StatusCode::UNAUTHORIZED, "unauthorized", d)
            }
            Rejection::Malformed(d) => {
                params.push(("error", "invalid_request".into()));
                params.push(("error_description", d.clone()));
                params.extend(meta.map(|m| ("resource_metadata", m)));
                let status = if self.has(F::AuthMalformedAs401) {
                    StatusCode::UNAUTHORIZED
                } else {
                    StatusCode::BAD_REQUEST
                };
                (status, "invalid_request", d)
            }
            Rejection::Invalid(d) => {
                params.push(("error", "invalid_token".into()));
                params.push(("error_description", d.clone()));
                params.extend(meta.map(|m| ("resource_metadata", m)));
                if scoped {
                    params.push(("scope", self.challenge_scope().into()));
                }
                (StatusCode::UNAUTHORIZED, "invalid_token", d)
            }
            Rejection::Scope(needed) if self.has(F::AuthInsufficientScope401) => {
                let d = format!("the token lacks scope {needed}");
                params.push(("error", "invalid_token".into()));
                params.push(("error_description", d.clone()));
                params.extend(meta.map(|m| ("resource_metadata", m)));
                if scoped {
                    params.push(("scope", needed.into()));
                }
                (StatusCode::UNAUTHORIZED, "invalid_token", d)
            }
            Rejection::Scope(needed) => {
                let d = format!("the token lacks scope {needed}");
                params.push(("error", "insufficient_scope".into()));
                if scoped {
                    params.push(("scope", needed.into()));
                }
                params.extend(meta.map(|m| ("resource_metadata", m)));
                params.push(("error_description", d.clone()));
                (StatusCode::FORBIDDEN, "insufficient_scope", d)
            }
        };
        let body = json!({"error": error, "error_description": description});
        let mut response = json_response(status, &body);
        let silent = status == StatusCode::UNAUTHORIZED && self.has(F::AuthNoChallenge);
        if !silent {
            let challenge = params
                .iter()
                .map(|(k, v)| format!("{k}=\"{}\"", quotable(v)))
                .collect::<Vec<_>>()
                .join(", ");
            let challenge = if challenge.is_empty() {
                "Bearer".to_string()
            } else {
                format!("Bearer {challenge}")
            };
            if let Ok(v) = HeaderValue::from_str(&challenge) {
                response.headers_mut().insert(header::WWW_AUTHENTICATE, v);
            }
        }
        response
    }

    // -----------------------------------------------------------------------------------------
    // Documents and the token endpoint

    /// The protected resource metadata (RFC 9728).
    fn prm(&self) -> Response {
        let resource = if self.has(F::AuthPrmResourceMismatch) {
            format!("{}/other-server", self.origin)
        } else {
            self.resource.clone()
        };
        let mut scopes: Vec<&str> = SCOPES.to_vec();
        if self.has(F::AuthOfflineAccess) {
            scopes.push("offline_access");
        }
        let mut body = json!({
            "resource": resource,
            "authorization_servers": [self.issuer],
            "scopes_supported": scopes,
            "bearer_methods_supported": ["header"],
            "resource_name": RESOURCE_NAME,
        });
        if self.has(F::AuthPrmNoAuthorizationServers)
            && let Some(o) = body.as_object_mut()
        {
            o.remove("authorization_servers");
        }
        json_response(StatusCode::OK, &body)
    }

    /// The built-in AS's metadata (RFC 8414).
    fn as_metadata(&self) -> Response {
        let body = json!({
            "issuer": self.issuer,
            "token_endpoint": format!("{}{TOKEN_PATH}", self.origin),
            "jwks_uri": format!("{}{JWKS_PATH}", self.origin),
            "grant_types_supported": ["client_credentials"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": SCOPES,
            "response_types_supported": [],
        });
        json_response(StatusCode::OK, &body)
    }

    fn jwks(&self) -> Response {
        match &self.signer {
            Some(s) => json_response(StatusCode::OK, &json!({"keys": [s.inner.jwk]})),
            None => StatusCode::NOT_FOUND.into_response(),
        }
    }

    /// `POST /oauth/token`: the client credentials grant (RFC 6749 §4.4) with RFC 8707
    /// resource indicators.
    fn token(&self, headers: &HeaderMap, body: &[u8]) -> Response {
        let Some(signer) = &self.signer else {
            return StatusCode::NOT_FOUND.into_response();
        };
        match self.grant(signer, headers, body) {
            Ok(v) => no_store(json_response(StatusCode::OK, &v)),
            Err(e) => e.into_response(),
        }
    }

    fn grant(
        &self,
        signer: &Issuer,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Value, OAuthError> {
        let form_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|t| {
                t.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            });
        if !form_type {
            return Err(OAuthError::request(
                "the body must be application/x-www-form-urlencoded",
            ));
        }
        let mut form: HashMap<String, Vec<String>> = HashMap::new();
        for (k, v) in url::form_urlencoded::parse(body) {
            form.entry(k.into_owned()).or_default().push(v.into_owned());
        }
        if let Some((k, _)) = form.iter().find(|(k, v)| v.len() > 1 && *k != "resource") {
            return Err(OAuthError::request(format!("parameter {k} is repeated")));
        }
        let one = |k: &str| form.get(k).and_then(|v| v.first()).map(String::as_str);

        // Client authentication: HTTP Basic or the two form fields, never both.
        let auths: Vec<&HeaderValue> = headers.get_all(header::AUTHORIZATION).iter().collect();
        let (id, secret, basic) = match auths.as_slice() {
            [] => match (one("client_id"), one("client_secret")) {
                (Some(i), Some(s)) => (i.to_string(), s.to_string(), false),
                _ => {
                    return Err(OAuthError::client(
                        "client authentication is required",
                        false,
                    ));
                }
            },
            [value] => {
                let (i, s) = basic_credentials(value).ok_or_else(|| {
                    OAuthError::client(
                        "the Authorization header is not valid Basic credentials",
                        true,
                    )
                })?;
                if one("client_secret").is_some() {
                    return Err(OAuthError::request(
                        "only one client authentication method may be used",
                    ));
                }
                if one("client_id").is_some_and(|f| f != i) {
                    return Err(OAuthError::request(
                        "client_id differs from the Basic credentials",
                    ));
                }
                (i, s, true)
            }
            _ => return Err(OAuthError::request("more than one Authorization header")),
        };
        if id != self.client_id || secret != self.client_secret {
            return Err(OAuthError::client("unknown client or wrong secret", basic));
        }

        match one("grant_type") {
            None => return Err(OAuthError::request("grant_type is required")),
            Some("client_credentials") => {}
            Some(other) => {
                return Err(OAuthError::new(
                    StatusCode::BAD_REQUEST,
                    "unsupported_grant_type",
                    format!("grant_type {other} is not supported (client_credentials only)"),
                ));
            }
        }
        let mut scopes: Vec<&str> = Vec::new();
        match one("scope") {
            None => scopes.push(SCOPE_BASE),
            Some(s) => {
                for token in s.split(' ').filter(|t| !t.is_empty()) {
                    if !SCOPES.contains(&token) {
                        return Err(OAuthError::new(
                            StatusCode::BAD_REQUEST,
                            "invalid_scope",
                            format!("unknown scope {token}"),
                        ));
                    }
                    if !scopes.contains(&token) {
                        scopes.push(token);
                    }
                }
                if scopes.is_empty() {
                    return Err(OAuthError::new(
                        StatusCode::BAD_REQUEST,
                        "invalid_scope",
                        "scope is empty",
                    ));
                }
            }
        }
        let target = |d: String| OAuthError::new(StatusCode::BAD_REQUEST, "invalid_target", d);
        let resource = match form.get("resource").map(Vec::as_slice) {
            None | Some([]) => self.resource.clone(),
            Some([r]) => {
                if url::Url::parse(r).is_err() || r.contains('#') {
                    return Err(target(format!(
                        "resource {r} is not an absolute URI without fragment"
                    )));
                }
                r.clone()
            }
            Some(_) => return Err(target("only one resource may be requested".into())),
        };
        let scope = scopes.join(" ");
        let now = unix_now();
        let token = signer.sign(
            &resource,
            &scope,
            now,
            now.saturating_add(lifetime_i64(self.lifetime)),
        );
        Ok(json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": self.lifetime,
            "scope": scope,
        }))
    }
}

/// An RFC 6749 §5.2 error of the token endpoint.
struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
    /// The client tried HTTP Basic: a 401 must then challenge for it (§5.2 `invalid_client`).
    basic: bool,
}

impl OAuthError {
    fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            status,
            error,
            description: description.into(),
            basic: false,
        }
    }

    fn request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    fn client(description: impl Into<String>, basic: bool) -> Self {
        OAuthError {
            basic,
            ..Self::new(StatusCode::UNAUTHORIZED, "invalid_client", description)
        }
    }

    fn into_response(self) -> Response {
        let body = json!({"error": self.error, "error_description": quotable(&self.description)});
        let mut response = no_store(json_response(self.status, &body));
        if self.basic {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"mcpcheck\""),
            );
        }
        response
    }
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Token responses and errors must not be cached (RFC 6749 §5.1).
fn no_store(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// Only the characters RFC 6750 §3 allows in `error_description` (so the challenge stays a
/// valid quoted string and header value).
fn quotable(s: &str) -> String {
    s.chars()
        .map(|c| {
            if matches!(c, ' ' | '!' | '#'..='[' | ']'..='~') {
                c
            } else {
                '?'
            }
        })
        .collect()
}

/// The bearer token of one Authorization header; `Ok(None)` for another scheme, `Err` for a
/// malformed header.
pub(crate) fn bearer_token(value: &HeaderValue) -> Result<Option<String>, String> {
    let s = value
        .to_str()
        .map_err(|_| "the Authorization header is not visible ASCII".to_string())?
        .trim_matches([' ', '\t']);
    let (scheme, rest) = s.split_once(' ').unwrap_or((s, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Ok(None);
    }
    let credentials = rest.trim_matches([' ', '\t']);
    if credentials.is_empty() {
        return Err("the Bearer credentials are empty".into());
    }
    if !is_b64token(credentials) {
        return Err("the Bearer credentials are not a b64token (RFC 6750 §2.1)".into());
    }
    Ok(Some(credentials.to_string()))
}

/// `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
fn is_b64token(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

/// Scope checks: `mcp` for everything, `mcp:admin` for calls of [`SCOPED_TOOL`].
fn authorize(grant: Grant, body: Option<&[u8]>) -> Result<(), Rejection> {
    if !grant.base {
        return Err(Rejection::Scope(SCOPE_BASE));
    }
    if !grant.admin && body.is_some_and(calls_scoped_tool) {
        return Err(Rejection::Scope(SCOPE_ADMIN));
    }
    Ok(())
}

/// `access_token` from the query string (`auth-query-token` only).
fn query_token(uri: &Uri) -> Option<String> {
    url::form_urlencoded::parse(uri.query()?.as_bytes())
        .find(|(k, _)| k == "access_token")
        .map(|(_, v)| v.into_owned())
}

/// Whether a POST body is a `tools/call` of [`SCOPED_TOOL`] (unreadable bodies are not: the
/// normal pipeline answers them).
fn calls_scoped_tool(body: &[u8]) -> bool {
    let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(body) else {
        return false;
    };
    m.get("method").and_then(Value::as_str) == Some("tools/call")
        && m.get("params")
            .and_then(|p| p.get("name"))
            .and_then(Value::as_str)
            == Some(SCOPED_TOOL)
}

/// The scopes of a token: `scope` (RFC 9068, space-separated), else `scp` (a common variant).
fn token_scopes(claims: &Map<String, Value>) -> Vec<String> {
    match (claims.get("scope"), claims.get("scp")) {
        (Some(Value::String(s)), _) | (None, Some(Value::String(s))) => {
            s.split_whitespace().map(String::from).collect()
        }
        (None, Some(Value::Array(list))) => list
            .iter()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect(),
        _ => Vec::new(),
    }
}

/// URI equality with scheme and host compared case-insensitively (RFC 3986 §6.2.2.1), the rest
/// exactly.
fn same_uri(a: &str, b: &str) -> bool {
    fn split(u: &str) -> Option<(&str, &str, &str)> {
        let (scheme, rest) = u.split_once("://")?;
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        Some((scheme, &rest[..end], &rest[end..]))
    }
    match (split(a), split(b)) {
        (Some((s1, h1, r1)), Some((s2, h2, r2))) => {
            s1.eq_ignore_ascii_case(s2) && h1.eq_ignore_ascii_case(h2) && r1 == r2
        }
        _ => a == b,
    }
}

/// `Basic` credentials: base64 of the form-urlencoded client id and secret joined by `:`
/// (RFC 6749 §2.3.1).
fn basic_credentials(value: &HeaderValue) -> Option<(String, String)> {
    let s = value.to_str().ok()?.trim();
    let (scheme, b64) = s.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(b64.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((form_decode(id)?, form_decode(secret)?))
}

/// Decodes `application/x-www-form-urlencoded` text (`+` and `%XX`).
fn form_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return None;
                }
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Verifies the signature with the first of `keys` that accepts it; returns the claims.
fn check_signature(token: &str, alg: Algorithm, keys: &[VerifyKey]) -> Result<Value, String> {
    let mut validation = Validation::new(alg);
    // Only the signature: the claims are checked by `check_claims`.
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let mut why = "signature verification failed".to_string();
    for key in keys.iter().filter(|k| k.algs.contains(&alg)) {
        match jsonwebtoken::decode::<Value>(token, &key.key, &validation) {
            Ok(data) => return Ok(data.claims),
            Err(e) => {
                if !matches!(e.kind(), jsonwebtoken::errors::ErrorKind::InvalidSignature) {
                    why = format!("the token cannot be verified: {e}");
                }
            }
        }
    }
    Err(why)
}

// ---------------------------------------------------------------------------------------------
// Routes

/// Adds the well-known documents and, for the built-in AS, its endpoints (minus those a fault
/// mode removes).
pub(crate) fn routes(router: Router<Arc<AppState>>, auth: &Auth) -> Router<Arc<AppState>> {
    let mut router = router;
    if !auth.has(F::AuthNoPrm) {
        router = router
            .route(PRM_PATH, get(prm_handler))
            .route(&format!("{PRM_PATH}/mcp"), get(prm_handler));
    }
    if auth.signer.is_some() {
        if !auth.has(F::AuthNoAsMetadata) {
            router = router.route(AS_METADATA_PATH, get(as_metadata_handler));
        }
        router = router
            .route(JWKS_PATH, get(jwks_handler))
            .route(TOKEN_PATH, post(token_handler));
    }
    router
}

fn with_auth(state: &AppState, f: impl FnOnce(&Auth) -> Response) -> Response {
    match &state.auth {
        Some(a) => f(a),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn prm_handler(State(state): State<Arc<AppState>>) -> Response {
    with_auth(&state, Auth::prm)
}

async fn as_metadata_handler(State(state): State<Arc<AppState>>) -> Response {
    with_auth(&state, Auth::as_metadata)
}

async fn jwks_handler(State(state): State<Arc<AppState>>) -> Response {
    with_auth(&state, Auth::jwks)
}

async fn token_handler(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    with_auth(&state, |a| a.token(&headers, &body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b64token_and_uri_rules() {
        assert!(is_b64token("abc.DEF-_~+/=="));
        assert!(!is_b64token("=="));
        assert!(!is_b64token("a=b"));
        assert!(!is_b64token("a b"));
        assert!(same_uri(
            "HTTP://Example.COM:80/mcp",
            "http://example.com:80/mcp"
        ));
        assert!(!same_uri(
            "http://example.com/MCP",
            "http://example.com/mcp"
        ));
        assert!(!same_uri(
            "http://example.com/mcp/",
            "http://example.com/mcp"
        ));
        assert_eq!(form_decode("a%2Bb+c").as_deref(), Some("a+b c"));
        assert_eq!(form_decode("%+1"), None);
        assert_eq!(form_decode("%4"), None);
        assert_eq!(quotable("a\"b\\c\u{e9}"), "a?b?c?");
    }
}
