//! Authorization: `WWW-Authenticate` challenges, the well-known metadata URLs, and the tokens the
//! AUTH scenarios send.
//!
//! Tokens come from the user (flags, environment, config file) or from the server's own
//! authorization server through the client-credentials grant: mcpcheck discovers it from the
//! server (RFC 9728 then RFC 8414 / OpenID discovery) and asks for one token for the server under
//! test and one for another resource (RFC 8707), so the wrong-audience token is genuinely signed by
//! the issuer the server trusts. Nothing here forges a signature of that issuer: the only token
//! mcpcheck signs itself is the wrong-issuer one, with a throwaway key of its own and its own
//! issuer name.

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};

/// The kinds of token a scenario can ask for (`requires: - token: KIND`, variable
/// `${token_KIND}`).
pub const TOKEN_KINDS: &[&str] = &[
    "valid",
    "wrong_audience",
    "expired",
    "insufficient_scope",
    "wrong_issuer",
    "bad_signature",
];

/// The issuer name of the tokens mcpcheck signs itself (never trusted by a correct server).
pub const FOREIGN_ISSUER: &str = "https://untrusted-issuer.mcpcheck.invalid";

/// The tokens of a run, and why the missing ones are missing.
#[derive(Debug, Clone, Default)]
pub struct AuthTokens {
    pub tokens: BTreeMap<String, String>,
    pub missing: BTreeMap<String, String>,
    /// The user told mcpcheck the server is protected (gave tokens or client credentials).
    pub asserted: bool,
    /// What token acquisition did, for the console.
    pub log: Vec<String>,
}

impl AuthTokens {
    pub fn get(&self, kind: &str) -> Option<&str> {
        self.tokens.get(kind).map(String::as_str)
    }

    /// Why the token of `kind` is not available.
    pub fn why_missing(&self, kind: &str) -> String {
        match self.missing.get(kind) {
            Some(why) => format!("no {} token: {why}", kind.replace('_', "-")),
            None => {
                let flag = kind.replace('_', "-");
                let env = kind.to_ascii_uppercase();
                if kind == "valid" {
                    "no token: give --token (or MCPCHECK_TOKEN, or `auth: {token: ...}` in the config file), or --auth client-credentials with a client id and secret".into()
                } else {
                    format!(
                        "no {flag} token: give --token-{flag} (or MCPCHECK_TOKEN_{env}, or `auth: {{{kind}: ...}}` in the config file){}",
                        if kind == "expired" {
                            ""
                        } else {
                            ", or --auth client-credentials"
                        }
                    )
                }
            }
        }
    }

    /// Adds the tokens mcpcheck can make without any authorization server: one from an issuer of
    /// its own (signed with a throwaway key) and, from a valid token, the same token with its
    /// signature changed.
    pub fn derive(&mut self, resource: &str) {
        let claims = self.get("valid").and_then(jwt_claims);
        let aud = claims
            .as_ref()
            .and_then(|c| c.get("aud").cloned())
            .unwrap_or_else(|| json!(resource));
        let scope = claims
            .as_ref()
            .and_then(|c| c.get("scope").and_then(|s| s.as_str()).map(String::from));
        match foreign_token(&aud, scope.as_deref()) {
            Ok(t) => {
                self.tokens.insert("wrong_issuer".into(), t);
            }
            Err(e) => {
                self.missing.insert("wrong_issuer".into(), e);
            }
        }
        match self.get("valid").map(tamper_signature) {
            Some(Some(t)) => {
                self.tokens.insert("bad_signature".into(), t);
            }
            Some(None) => {
                self.missing.insert(
                    "bad_signature".into(),
                    "the valid token is not a JWT, so its signature cannot be changed".into(),
                );
            }
            None => {}
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Challenges (RFC 7235 §4.1, RFC 6750 §3)

/// One challenge of a `WWW-Authenticate` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub scheme: String,
    pub params: Vec<(String, String)>,
    pub token68: Option<String>,
}

impl Challenge {
    /// A parameter by name (names are case-insensitive).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn is_bearer(&self) -> bool {
        self.scheme.eq_ignore_ascii_case("bearer")
    }
}

/// Every challenge of the given `WWW-Authenticate` values (each may hold several, comma
/// separated). Tolerant: what cannot be parsed is skipped, never a panic.
pub fn parse_challenges<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<Challenge> {
    let mut out = Vec::new();
    for v in values {
        parse_one_header(v, &mut out);
    }
    out
}

fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

fn parse_one_header(s: &str, out: &mut Vec<Challenge>) {
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    let skip_ws = |i: &mut usize| {
        while *i < chars.len() && (chars[*i] == ' ' || chars[*i] == '\t') {
            *i += 1;
        }
    };
    let token = |i: &mut usize| -> String {
        let start = *i;
        while *i < chars.len() && is_tchar(chars[*i]) {
            *i += 1;
        }
        chars[start..*i].iter().collect()
    };
    while i < chars.len() {
        skip_ws(&mut i);
        while i < chars.len() && chars[i] == ',' {
            i += 1;
            skip_ws(&mut i);
        }
        let scheme = token(&mut i);
        if scheme.is_empty() {
            // Not a challenge start: skip one character and resynchronise.
            i += 1;
            continue;
        }
        let mut ch = Challenge {
            scheme,
            params: Vec::new(),
            token68: None,
        };
        skip_ws(&mut i);
        // auth-params or a token68, until the next challenge (a token not followed by `=`).
        loop {
            skip_ws(&mut i);
            // A token68 follows its scheme directly; after a comma comes a parameter or the
            // next challenge (`Negotiate, Bearer` is two challenges).
            let mut comma = false;
            while i < chars.len() && chars[i] == ',' {
                comma = true;
                i += 1;
                skip_ws(&mut i);
            }
            if i >= chars.len() {
                break;
            }
            let save = i;
            let name = token(&mut i);
            skip_ws(&mut i);
            if name.is_empty() || i >= chars.len() || chars[i] != '=' {
                if !name.is_empty() && !comma && ch.params.is_empty() && ch.token68.is_none() {
                    // token68 (e.g. `Basic abc==` has its `=` right after the token).
                    let mut t = name;
                    while i < chars.len() && chars[i] == '=' {
                        t.push('=');
                        i += 1;
                    }
                    if i < chars.len() && chars[i] != ',' {
                        // The next challenge's scheme.
                        i = save;
                        break;
                    }
                    ch.token68 = Some(t);
                    continue;
                }
                i = save;
                break;
            }
            // `=`: either a parameter or the padding of a token68 (`abc==` then a comma/end).
            let mut j = i;
            while j < chars.len() && chars[j] == '=' {
                j += 1;
            }
            let mut k = j;
            while k < chars.len() && (chars[k] == ' ' || chars[k] == '\t') {
                k += 1;
            }
            if ch.params.is_empty()
                && ch.token68.is_none()
                && !comma
                && (j - i > 1 || k >= chars.len() || chars[k] == ',')
            {
                ch.token68 = Some(format!("{name}{}", "=".repeat(j - i)));
                i = j;
                continue;
            }
            i += 1;
            skip_ws(&mut i);
            let value = if i < chars.len() && chars[i] == '"' {
                i += 1;
                let mut v = String::new();
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' && i + 1 < chars.len() {
                        i += 1;
                    }
                    v.push(chars[i]);
                    i += 1;
                }
                i += 1; // closing quote (or end)
                v
            } else {
                token(&mut i)
            };
            ch.params.push((name, value));
        }
        out.push(ch);
    }
}

/// The values of the `WWW-Authenticate` headers among these response headers.
pub fn www_authenticate(headers: &[(String, String)]) -> impl Iterator<Item = &str> {
    headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("www-authenticate"))
        .map(|(_, v)| v.as_str())
}

/// The first Bearer challenge among these response headers.
pub fn bearer_challenge(headers: &[(String, String)]) -> Option<Challenge> {
    parse_challenges(www_authenticate(headers))
        .into_iter()
        .find(Challenge::is_bearer)
}

/// The scopes of a space-separated scope string.
pub fn scopes(s: &str) -> Vec<&str> {
    s.split(' ').filter(|x| !x.is_empty()).collect()
}

// ---------------------------------------------------------------------------------------------
// Well-known URLs

/// The RFC 9728 metadata URLs of the resource `server_url`: path-suffixed
/// (`/.well-known/oauth-protected-resource/<path>`) and root.
pub fn prm_urls(server_url: &str) -> Option<(String, String)> {
    let u = url::Url::parse(server_url).ok()?;
    let origin = origin_of(&u);
    let path = u.path().trim_end_matches('/');
    let root = format!("{origin}/.well-known/oauth-protected-resource");
    Some((format!("{root}{path}"), root))
}

/// `scheme://host[:port]` of a URL.
pub fn origin_of(u: &url::Url) -> String {
    u.origin().ascii_serialization()
}

/// The metadata URLs of an issuer, in the order clients try them: RFC 8414
/// (`/.well-known/oauth-authorization-server` inserted before the path), then OpenID Connect
/// Discovery with the path inserted, then appended.
pub fn as_metadata_urls(issuer: &str) -> Vec<String> {
    let Ok(u) = url::Url::parse(issuer) else {
        return Vec::new();
    };
    let origin = origin_of(&u);
    let path = u.path().trim_end_matches('/');
    let mut v = vec![
        format!("{origin}/.well-known/oauth-authorization-server{path}"),
        format!("{origin}/.well-known/openid-configuration{path}"),
    ];
    let appended = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    if !v.contains(&appended) {
        v.push(appended);
    }
    v
}

/// The canonical form of a server URI (RFC 8707 / MCP): lowercase scheme and host, no
/// fragment, no trailing slash on a bare origin.
pub fn canonical_uri(s: &str) -> String {
    match url::Url::parse(s) {
        Ok(mut u) => {
            u.set_fragment(None);
            let t = u.to_string();
            if u.path() == "/" && u.query().is_none() {
                t.trim_end_matches('/').to_string()
            } else {
                t
            }
        }
        Err(_) => s.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// JWT helpers

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The claims of a JWT, read without verifying it (only to copy `aud` and `scope`).
pub fn jwt_claims(token: &str) -> Option<Value> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The same JWT with one character of its signature changed (still well-formed base64url).
pub fn tamper_signature(token: &str) -> Option<String> {
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 || parts[2].len() < 4 {
        return None;
    }
    let sig = parts[2];
    // Change a character in the middle: the last one may only carry padding bits.
    let mid = sig.len() / 2;
    let c = sig.as_bytes()[mid];
    let replacement = if c == b'A' { 'B' } else { 'A' };
    let mut s = String::with_capacity(sig.len());
    s.push_str(&sig[..mid]);
    s.push(replacement);
    s.push_str(&sig[mid + 1..]);
    Some(format!("{}.{}.{s}", parts[0], parts[1]))
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A token from an issuer of mcpcheck's own ([`FOREIGN_ISSUER`]), ES256-signed with a key made
/// for this run and published nowhere but in the token's own `jwk` header (which a server must
/// never trust). Audience and scope are those a valid token would carry, so only the issuer and
/// key are wrong.
pub fn foreign_token(aud: &Value, scope: Option<&str>) -> Result<String, String> {
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
        .map_err(|_| "cannot generate a signing key".to_string())?;
    let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref())
        .map_err(|_| "cannot load the generated signing key".to_string())?;
    let public = key.public_key().as_ref();
    if public.len() != 65 {
        return Err("unexpected public key encoding".into());
    }
    let header = json!({
        "alg": "ES256",
        "typ": "at+jwt",
        "kid": "mcpcheck-foreign",
        "jwk": {"kty": "EC", "crv": "P-256", "x": b64url(&public[1..33]),
                "y": b64url(&public[33..65]), "kid": "mcpcheck-foreign", "alg": "ES256"},
    });
    let now = now_secs();
    let mut claims = json!({
        "iss": FOREIGN_ISSUER,
        "sub": "mcpcheck",
        "client_id": "mcpcheck",
        "aud": aud,
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "jti": format!("mcpcheck-{now}"),
    });
    if let Some(s) = scope {
        claims["scope"] = json!(s);
    }
    let signing_input = format!(
        "{}.{}",
        b64url(header.to_string().as_bytes()),
        b64url(claims.to_string().as_bytes())
    );
    let sig = key
        .sign(&rng, signing_input.as_bytes())
        .map_err(|_| "cannot sign".to_string())?;
    Ok(format!("{signing_input}.{}", b64url(sig.as_ref())))
}

// ---------------------------------------------------------------------------------------------
// Client credentials

/// `--auth client-credentials` settings.
#[derive(Debug, Clone, Default)]
pub struct ClientCredentials {
    pub client_id: String,
    pub client_secret: String,
    /// Scope of the valid token; default: the PRM's `scopes_supported` (without
    /// `offline_access`), else the challenge's `scope`.
    pub scope: Option<String>,
    /// Scope of the insufficient-scope token; default: the 401 challenge's `scope`.
    pub narrow_scope: Option<String>,
    /// Resource of the wrong-audience token; default `<origin>/mcpcheck-other-resource`.
    pub other_resource: Option<String>,
}

struct Discovered {
    token_endpoint: String,
    auth_methods: Vec<String>,
    prm_scopes: Option<Vec<String>>,
    challenge_scope: Option<String>,
}

/// Obtains the valid, wrong-audience and insufficient-scope tokens from the authorization server
/// the server at `server_url` names. Failures are recorded per token, never fatal: the checks
/// that need a missing token are not applicable with the reason.
pub async fn client_credentials(server_url: &str, cc: &ClientCredentials) -> AuthTokens {
    let mut out = AuthTokens {
        asserted: true,
        ..AuthTokens::default()
    };
    let http = match http_client(Duration::from_secs(15)) {
        Ok(c) => c,
        Err(e) => {
            fail_all(&mut out, &e);
            return out;
        }
    };
    let d = match discover(&http, server_url, &mut out.log).await {
        Ok(d) => d,
        Err(why) => {
            fail_all(&mut out, &why);
            return out;
        }
    };
    let resource = canonical_uri(server_url);
    let full_scope = cc.scope.clone().or_else(|| {
        d.prm_scopes
            .as_ref()
            .map(|s| {
                s.iter()
                    .filter(|x| x.as_str() != "offline_access")
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .filter(|s| !s.is_empty())
            .or_else(|| d.challenge_scope.clone())
    });
    let request = |resource: String, scope: Option<String>| {
        let http = http.clone();
        let d = &d;
        async move { request_token(&http, d, cc, &resource, scope.as_deref()).await }
    };
    match request(resource.clone(), full_scope.clone()).await {
        Ok(t) => {
            out.log.push(format!(
                "valid token for {resource} (scope {:?})",
                full_scope.as_deref().unwrap_or("")
            ));
            out.tokens.insert("valid".into(), t);
        }
        Err(e) => {
            out.missing.insert("valid".into(), e);
        }
    }
    let other = cc.other_resource.clone().unwrap_or_else(|| {
        url::Url::parse(server_url)
            .map(|u| format!("{}/mcpcheck-other-resource", origin_of(&u)))
            .unwrap_or_else(|_| "https://other-resource.mcpcheck.invalid/mcp".into())
    });
    match request(other.clone(), full_scope.clone()).await {
        Ok(t) => {
            out.log.push(format!(
                "wrong-audience token for {other} from the same issuer"
            ));
            out.tokens.insert("wrong_audience".into(), t);
        }
        Err(e) => {
            out.missing.insert(
                "wrong_audience".into(),
                format!("{e} (choose another resource with --auth-other-resource)"),
            );
        }
    }
    let narrow = cc
        .narrow_scope
        .clone()
        .or_else(|| d.challenge_scope.clone());
    match narrow {
        None => {
            out.missing.insert(
                "insufficient_scope".into(),
                "the 401 challenge names no scope to request a narrower token with; give --auth-narrow-scope".into(),
            );
        }
        Some(n) if full_scope.as_deref().is_some_and(|f| same_scopes(f, &n)) => {
            out.missing.insert(
                "insufficient_scope".into(),
                format!("the narrow scope {n:?} is the full scope; give --auth-narrow-scope"),
            );
        }
        Some(n) => match request(resource.clone(), Some(n.clone())).await {
            Ok(t) => {
                out.log
                    .push(format!("insufficient-scope token (scope {n:?})"));
                out.tokens.insert("insufficient_scope".into(), t);
            }
            Err(e) => {
                out.missing.insert("insufficient_scope".into(), e);
            }
        },
    }
    out
}

fn same_scopes(a: &str, b: &str) -> bool {
    let mut x = scopes(a);
    let mut y = scopes(b);
    x.sort();
    y.sort();
    x == y
}

fn fail_all(out: &mut AuthTokens, why: &str) {
    for k in ["valid", "wrong_audience", "insufficient_scope"] {
        out.missing.insert(k.into(), why.to_string());
    }
}

async fn get_json(http: &reqwest::Client, url: &str) -> Result<Value, String> {
    let r = http
        .get(url)
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?;
    let status = r.status().as_u16();
    if status != 200 {
        return Err(format!("GET {url}: HTTP {status}"));
    }
    let text = r.text().await.map_err(|e| format!("GET {url}: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("GET {url}: not JSON ({e})"))
}

/// What a client finds by following the server's pointers, as clients do: the first location
/// that serves Protected Resource Metadata (the challenge's `resource_metadata`, then
/// path-suffixed, then root), its first authorization server, and that server's first metadata
/// document that answers (RFC 8414, then OpenID Connect Discovery). Shared by token acquisition
/// and the AUTH scenarios' variables, so both see the same documents.
#[derive(Debug, Clone, Default)]
struct Documents {
    /// Where the PRM was found, and the document.
    prm: Option<(String, Value)>,
    issuer: Option<String>,
    /// The issuer's metadata URLs, in the order tried (empty when the issuer is not a URL).
    as_urls: Vec<String>,
    /// Where the AS metadata was found, and the document.
    as_meta: Option<(String, Value)>,
    /// Why each location that was tried did not do.
    tried: Vec<String>,
}

async fn documents(
    http: &reqwest::Client,
    server_url: &str,
    challenge: Option<&Challenge>,
) -> Documents {
    let mut d = Documents::default();
    let mut candidates = Vec::new();
    if let Some(rm) = challenge.and_then(|c| c.param("resource_metadata")) {
        candidates.push(rm.to_string());
    }
    if let Some((path, root)) = prm_urls(server_url) {
        candidates.push(path);
        candidates.push(root);
    }
    for c in candidates {
        match get_json(http, &c).await {
            Ok(v) if v.is_object() => {
                d.prm = Some((c, v));
                break;
            }
            Ok(_) => d.tried.push(format!("{c}: not a JSON object")),
            Err(e) => d.tried.push(e),
        }
    }
    d.issuer = d
        .prm
        .as_ref()
        .and_then(|(_, v)| v.get("authorization_servers"))
        .and_then(|a| a.as_array())
        .and_then(|a| a.first())
        .and_then(|v| v.as_str())
        .map(String::from);
    let Some(issuer) = d.issuer.clone() else {
        return d;
    };
    d.as_urls = as_metadata_urls(&issuer);
    for u in d.as_urls.clone() {
        match get_json(http, &u).await {
            Ok(v) if v.is_object() => {
                d.as_meta = Some((u, v));
                break;
            }
            Ok(_) => d.tried.push(format!("{u}: not a JSON object")),
            Err(e) => d.tried.push(e),
        }
    }
    d
}

fn http_client(timeout: Duration) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))
}

/// The unauthenticated `server/discover` a client starts with: its Bearer challenge.
async fn unauthenticated_challenge(
    http: &reqwest::Client,
    server_url: &str,
    log: &mut Vec<String>,
) -> Result<Option<Challenge>, String> {
    let body = json!({"jsonrpc": "2.0", "id": 0, "method": "server/discover",
        "params": {"_meta": {"io.modelcontextprotocol/protocolVersion": mcpcheck_schemas::REVISION,
        "io.modelcontextprotocol/clientCapabilities": {}}}});
    let r = http
        .post(server_url)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json, text/event-stream")
        .header("MCP-Protocol-Version", mcpcheck_schemas::REVISION)
        .header("Mcp-Method", "server/discover")
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| format!("cannot reach {server_url}: {e}"))?;
    let headers: Vec<(String, String)> = r
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into()))
        .collect();
    let challenge = bearer_challenge(&headers);
    log.push(format!(
        "unauthenticated server/discover: HTTP {}{}",
        r.status().as_u16(),
        if challenge.is_some() {
            " with a Bearer challenge"
        } else {
            ""
        }
    ));
    Ok(challenge)
}

async fn discover(
    http: &reqwest::Client,
    server_url: &str,
    log: &mut Vec<String>,
) -> Result<Discovered, String> {
    let challenge = unauthenticated_challenge(http, server_url, log).await?;
    let d = documents(http, server_url, challenge.as_ref()).await;
    let tried = || d.tried.join("; ");
    let Some((prm_url, prm)) = &d.prm else {
        return Err(format!(
            "no Protected Resource Metadata found ({})",
            tried()
        ));
    };
    log.push(format!("protected resource metadata at {prm_url}"));
    let issuer = d
        .issuer
        .as_deref()
        .ok_or("the Protected Resource Metadata names no authorization server")?;
    let (as_url, meta) = d.as_meta.as_ref().ok_or_else(|| {
        format!(
            "no metadata for the authorization server {issuer} ({})",
            tried()
        )
    })?;
    let token_endpoint = meta
        .get("token_endpoint")
        .and_then(|t| t.as_str())
        .ok_or_else(|| format!("the metadata at {as_url} names no token_endpoint"))?;
    log.push(format!("authorization server metadata at {as_url}"));
    let strings = |v: Option<&Value>| -> Option<Vec<String>> {
        v.and_then(|m| m.as_array()).map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
    };
    Ok(Discovered {
        token_endpoint: token_endpoint.into(),
        auth_methods: strings(meta.get("token_endpoint_auth_methods_supported"))
            .unwrap_or_else(|| vec!["client_secret_basic".into()]),
        prm_scopes: strings(prm.get("scopes_supported")),
        challenge_scope: challenge
            .as_ref()
            .and_then(|c| c.param("scope"))
            .map(String::from),
    })
}

/// Where a client finds the server's metadata documents, as the AUTH scenarios' variables:
/// `prm_discovered` (where [`documents`] found Protected Resource Metadata; the path-suffixed
/// URL when nowhere, so the scenario fetching it fails), `as_issuer` (its first authorization
/// server) and `as_metadata_url` (the first metadata URL of that issuer that answers, else the
/// RFC 8414 one). Names without a value are in `missing`, with why.
#[derive(Debug, Clone, Default)]
pub struct DiscoveredUrls {
    pub vars: BTreeMap<String, String>,
    pub missing: BTreeMap<String, String>,
}

/// Looks the documents up (each GET bounded by 10 s). Never fails: what cannot be found is
/// recorded in `missing`.
pub async fn discover_urls(server_url: &str, challenge: Option<&Challenge>) -> DiscoveredUrls {
    let mut out = DiscoveredUrls::default();
    let miss = |out: &mut DiscoveredUrls, names: &[&str], why: &str| {
        for n in names {
            out.missing.insert((*n).into(), why.to_string());
        }
    };
    let Some((path_url, _)) = prm_urls(server_url) else {
        miss(
            &mut out,
            &["prm_discovered", "as_issuer", "as_metadata_url"],
            "the server URL is not a URL",
        );
        return out;
    };
    let http = match http_client(Duration::from_secs(10)) {
        Ok(c) => c,
        Err(e) => {
            miss(
                &mut out,
                &["prm_discovered", "as_issuer", "as_metadata_url"],
                &e,
            );
            return out;
        }
    };
    let d = documents(&http, server_url, challenge).await;
    let Some((prm_url, _)) = d.prm else {
        out.vars.insert("prm_discovered".into(), path_url);
        miss(
            &mut out,
            &["as_issuer", "as_metadata_url"],
            "no Protected Resource Metadata was found",
        );
        return out;
    };
    out.vars.insert("prm_discovered".into(), prm_url);
    let Some(issuer) = d.issuer else {
        miss(
            &mut out,
            &["as_issuer", "as_metadata_url"],
            "the Protected Resource Metadata names no authorization server",
        );
        return out;
    };
    let found = d
        .as_meta
        .map(|(u, _)| u)
        .or_else(|| d.as_urls.first().cloned());
    match found {
        Some(u) => {
            out.vars.insert("as_metadata_url".into(), u);
        }
        None => miss(
            &mut out,
            &["as_metadata_url"],
            &format!("the authorization server {issuer:?} is not a URL"),
        ),
    }
    out.vars.insert("as_issuer".into(), issuer);
    out
}

fn form_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn request_token(
    http: &reqwest::Client,
    d: &Discovered,
    cc: &ClientCredentials,
    resource: &str,
    scope: Option<&str>,
) -> Result<String, String> {
    let mut form = vec![
        ("grant_type", "client_credentials".to_string()),
        ("resource", resource.to_string()),
    ];
    if let Some(s) = scope {
        form.push(("scope", s.to_string()));
    }
    let basic = d.auth_methods.iter().any(|m| m == "client_secret_basic")
        || !d.auth_methods.iter().any(|m| m == "client_secret_post");
    let mut fields = form.clone();
    let mut req = http.post(&d.token_endpoint);
    if basic {
        // RFC 6749 §2.3.1: id and secret are form-encoded before Basic encoding.
        let creds = format!(
            "{}:{}",
            form_encode(&cc.client_id),
            form_encode(&cc.client_secret)
        );
        req = req.header(
            "Authorization",
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(creds)
            ),
        );
    } else {
        fields.push(("client_id", cc.client_id.clone()));
        fields.push(("client_secret", cc.client_secret.clone()));
    }
    let body = fields
        .iter()
        .map(|(k, v)| format!("{k}={}", form_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let r = req
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept", "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| format!("token request to {}: {e}", d.token_endpoint))?;
    let status = r.status().as_u16();
    let text = r.text().await.unwrap_or_default();
    let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    if status != 200 {
        let err = v
            .get("error")
            .and_then(|e| e.as_str())
            .unwrap_or("no error code");
        let desc = v
            .get("error_description")
            .and_then(|e| e.as_str())
            .map(|d| format!(": {d}"))
            .unwrap_or_default();
        return Err(format!(
            "the authorization server refused a token for {resource} (HTTP {status}, {err}{desc})"
        ));
    }
    v.get("access_token")
        .and_then(|t| t.as_str())
        .map(String::from)
        .ok_or_else(|| {
            format!(
                "the token response from {} has no access_token",
                d.token_endpoint
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(c: &Challenge) -> Vec<(&str, &str)> {
        c.params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    #[test]
    fn parses_bearer_challenges() {
        let c = parse_challenges([
            r#"Bearer resource_metadata="https://m.test/.well-known/oauth-protected-resource/mcp", scope="files:read files:write""#,
        ]);
        assert_eq!(c.len(), 1);
        assert!(c[0].is_bearer());
        assert_eq!(c[0].param("SCOPE"), Some("files:read files:write"));
        let c = parse_challenges([
            r#"Basic realm="x", Bearer error=invalid_token, error_description="a \"b\", c""#,
        ]);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].scheme, "Basic");
        assert_eq!(params(&c[0]), vec![("realm", "x")]);
        assert_eq!(
            params(&c[1]),
            vec![
                ("error", "invalid_token"),
                ("error_description", "a \"b\", c")
            ]
        );
        let c = parse_challenges(["Negotiate abc==, Bearer"]);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].token68.as_deref(), Some("abc=="));
        assert!(c[1].is_bearer() && c[1].params.is_empty());
        // A parameterless scheme, then Bearer: two challenges, not a token68.
        let c = parse_challenges(["Negotiate, Bearer"]);
        assert_eq!(c.len(), 2, "{c:?}");
        assert!(c[0].token68.is_none() && c[1].is_bearer());
        let c = parse_challenges(["Negotiate, Bearer realm=\"x\""]);
        assert_eq!(c.len(), 2, "{c:?}");
        assert_eq!(c[1].param("realm"), Some("x"));
    }

    #[test]
    fn challenge_parser_never_panics_on_junk() {
        for s in [
            "",
            ",,,",
            "=",
            "\"",
            "Bearer =",
            "Bearer a=\"unterminated",
            "  Bearer  ,  x=y",
            "ü=ä",
        ] {
            let _ = parse_challenges([s]);
        }
    }

    #[test]
    fn well_known_urls() {
        assert_eq!(
            prm_urls("http://127.0.0.1:9/public/mcp").unwrap(),
            (
                "http://127.0.0.1:9/.well-known/oauth-protected-resource/public/mcp".into(),
                "http://127.0.0.1:9/.well-known/oauth-protected-resource".into()
            )
        );
        assert_eq!(
            as_metadata_urls("https://as.test/tenant1"),
            vec![
                "https://as.test/.well-known/oauth-authorization-server/tenant1".to_string(),
                "https://as.test/.well-known/openid-configuration/tenant1".into(),
                "https://as.test/tenant1/.well-known/openid-configuration".into(),
            ]
        );
        assert_eq!(
            as_metadata_urls("https://as.test"),
            vec![
                "https://as.test/.well-known/oauth-authorization-server".to_string(),
                "https://as.test/.well-known/openid-configuration".into(),
            ]
        );
        assert_eq!(
            canonical_uri("HTTPS://MCP.Example.com/"),
            "https://mcp.example.com"
        );
        assert_eq!(canonical_uri("https://m.test/mcp#x"), "https://m.test/mcp");
    }

    #[test]
    fn foreign_tokens_carry_their_own_issuer_and_tampering_keeps_the_payload() {
        let t = foreign_token(&json!("http://127.0.0.1:9/mcp"), Some("mcp")).unwrap();
        let c = jwt_claims(&t).unwrap();
        assert_eq!(c["iss"], FOREIGN_ISSUER);
        assert_eq!(c["aud"], "http://127.0.0.1:9/mcp");
        let bad = tamper_signature(&t).unwrap();
        assert_ne!(bad, t);
        assert_eq!(jwt_claims(&bad), Some(c));
        assert_eq!(
            bad.rsplit('.').next().unwrap().len(),
            t.rsplit('.').next().unwrap().len()
        );
        assert!(tamper_signature("not-a-jwt").is_none());
    }
}
