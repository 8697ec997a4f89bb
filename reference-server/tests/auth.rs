//! Protected-resource mode (`Config::auth`): the built-in authorization server (metadata, JWKS,
//! token endpoint), the protected resource metadata, the bearer-token gate on `/mcp` and its
//! challenges, the scope-gated tool, signing key files and trusting an external issuer.

mod common;

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use common::*;
use mcpcheck_reference_server::{AuthConfig, Config, SCOPED_TOOL, spawn};
use serde_json::{Value, json};

const PRM: &str = "/.well-known/oauth-protected-resource";
const BASIC: Option<(&str, &str)> = Some(("mcpcheck", "mcpcheck-secret"));

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

async fn get_json(s: &Server, path: &str) -> (u16, Value) {
    let r = s
        .http
        .get(format!("{}{path}", s.origin()))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn challenge(r: &Resp) -> String {
    r.headers
        .get("www-authenticate")
        .unwrap_or_else(|| panic!("no challenge: {r:?}"))
        .to_str()
        .unwrap()
        .to_string()
}

/// The decoded header and claims of a JWT (no verification).
fn parts(token: &str) -> (Value, Value) {
    let mut it = token
        .split('.')
        .map(|p| serde_json::from_slice::<Value>(&URL_SAFE_NO_PAD.decode(p).unwrap_or_default()));
    let header = it.next().unwrap().unwrap();
    let claims = it.next().unwrap().unwrap();
    (header, claims)
}

/// `server/discover` with `authorization` as the only Authorization header value(s).
async fn discover_with(s: &Server, authorization: &[&str]) -> Resp {
    let mut h = default_headers("server/discover", &json!({}));
    h.extend(
        authorization
            .iter()
            .map(|v| ("Authorization".to_string(), v.to_string())),
    );
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": with_meta(json!({}))});
    s.with_token(None).post_raw(&h, body.to_string()).await
}

// ---------------------------------------------------------------------------------------------
// Built-in authorization server

#[tokio::test]
async fn token_endpoint_grants_client_credentials() {
    let s = start_auth(None).await;
    let r = s
        .token_request(BASIC, "grant_type=client_credentials")
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.headers["cache-control"], "no-store");
    let v = r.json();
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 300);
    assert_eq!(v["scope"], "mcp");
    // The token works on the server it names by default.
    let user = s.with_token(v["access_token"].as_str().map(String::from));
    assert_eq!(user.request("server/discover", json!({})).await.status, 200);

    // client_secret_post, both scopes.
    let form = "grant_type=client_credentials&client_id=mcpcheck&client_secret=mcpcheck-secret&scope=mcp+mcp%3Aadmin";
    let v = s.token_request(None, form).await.json();
    assert_eq!(v["scope"], "mcp mcp:admin", "{v}");
}

#[tokio::test]
async fn token_endpoint_errors() {
    let s = start_auth(None).await;
    let err = |r: &Resp| r.json()["error"].as_str().unwrap().to_string();

    let r = s
        .token_request(Some(("mcpcheck", "wrong")), "grant_type=client_credentials")
        .await;
    assert_eq!((r.status, err(&r).as_str()), (401, "invalid_client"));
    assert!(challenge(&r).starts_with("Basic "), "{r:?}");
    let form = "grant_type=client_credentials&client_id=mcpcheck&client_secret=nope";
    let r = s.token_request(None, form).await;
    assert_eq!((r.status, err(&r).as_str()), (401, "invalid_client"));
    assert!(r.headers.get("www-authenticate").is_none());
    let r = s.token_request(None, "grant_type=client_credentials").await;
    assert_eq!((r.status, err(&r).as_str()), (401, "invalid_client"));

    for (form, status, code) in [
        (
            "grant_type=password&username=a&password=b",
            400,
            "unsupported_grant_type",
        ),
        (
            "grant_type=authorization_code&code=x",
            400,
            "unsupported_grant_type",
        ),
        ("scope=mcp", 400, "invalid_request"),
        (
            "grant_type=client_credentials&grant_type=client_credentials",
            400,
            "invalid_request",
        ),
        (
            "grant_type=client_credentials&scope=mcp+root",
            400,
            "invalid_scope",
        ),
        ("grant_type=client_credentials&scope=", 400, "invalid_scope"),
        (
            "grant_type=client_credentials&resource=http%3A%2F%2Fa.example%2Fmcp&resource=http%3A%2F%2Fb.example%2Fmcp",
            400,
            "invalid_target",
        ),
        (
            "grant_type=client_credentials&resource=mcp",
            400,
            "invalid_target",
        ),
        (
            "grant_type=client_credentials&resource=http%3A%2F%2Fa.example%2Fmcp%23frag",
            400,
            "invalid_target",
        ),
        // Basic and client_secret together: two authentication methods.
        (
            "grant_type=client_credentials&client_secret=mcpcheck-secret",
            400,
            "invalid_request",
        ),
    ] {
        let r = s.token_request(BASIC, form).await;
        assert_eq!(
            (r.status, err(&r).as_str()),
            (status, code),
            "{form}: {r:?}"
        );
        assert_eq!(r.content_type(), "application/json");
        assert_eq!(r.headers["cache-control"], "no-store");
    }

    // Not a form.
    let r = s
        .http
        .post(format!("{}/oauth/token", s.origin()))
        .header("content-type", "application/json")
        .body(r#"{"grant_type":"client_credentials"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // Only POST.
    let r = s
        .http
        .get(format!("{}/oauth/token", s.origin()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
}

#[tokio::test]
async fn basic_credentials_are_form_urlencoded() {
    let s = start_auth_with(Config {
        auth: Some(AuthConfig {
            client_id: "my client".into(),
            client_secret: "p@ss:w+rd".into(),
            ..AuthConfig::default()
        }),
        ..Config::default()
    })
    .await;
    let encoded = STANDARD.encode("my+client:p%40ss%3Aw%2Brd");
    let r = s
        .http
        .post(format!("{}/oauth/token", s.origin()))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("authorization", format!("Basic {encoded}"))
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_, claims) = parts(
        r.json::<Value>().await.unwrap()["access_token"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(claims["client_id"], "my client");
}

#[tokio::test]
async fn minted_tokens_have_the_rfc_9068_shape() {
    let s = start_auth_with(Config {
        auth: Some(AuthConfig {
            token_lifetime_secs: 120,
            ..AuthConfig::default()
        }),
        ..Config::default()
    })
    .await;
    let form = "grant_type=client_credentials&scope=mcp%3Aadmin&resource=https%3A%2F%2Fother.example%2Fmcp";
    let v = s.token_request(BASIC, form).await.json();
    assert_eq!(v["expires_in"], 120);
    let token = v["access_token"].as_str().unwrap();
    let (header, claims) = parts(token);
    let (_, jwks) = get_json(&s, "/oauth/jwks").await;
    let jwk = &jwks["keys"][0];
    assert_eq!(header["alg"], "ES256");
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(header["kid"], jwk["kid"]);
    assert_eq!(claims["iss"], s.origin());
    assert_eq!(claims["aud"], "https://other.example/mcp");
    assert_eq!(claims["scope"], "mcp:admin");
    assert_eq!(claims["sub"], "mcpcheck");
    assert_eq!(claims["client_id"], "mcpcheck");
    let iat = claims["iat"].as_u64().unwrap();
    assert_eq!(claims["exp"].as_u64().unwrap() - iat, 120);
    assert_eq!(claims["nbf"], claims["iat"]);
    assert!(iat.abs_diff(now()) < 60);
    assert!(claims["jti"].as_str().is_some_and(|j| !j.is_empty()));
    // The signature verifies with the published key.
    let key: jsonwebtoken::jwk::Jwk = serde_json::from_value(jwk.clone()).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.set_audience(&["https://other.example/mcp"]);
    let key = jsonwebtoken::DecodingKey::from_jwk(&key).unwrap();
    jsonwebtoken::decode::<Value>(token, &key, &validation).expect("verifies");
    // Issuer::mint makes the same shape.
    let (h2, c2) = parts(&s.issuer().mint("urn:x", "mcp", 60));
    assert_eq!(h2, header);
    assert_eq!(c2["iss"], claims["iss"]);
    assert_eq!(
        c2["exp"].as_u64().unwrap() - c2["iat"].as_u64().unwrap(),
        60
    );
}

#[tokio::test]
async fn metadata_documents() {
    let s = start_auth(None).await;
    let origin = s.origin();
    let expected = json!({
        "resource": s.url,
        "authorization_servers": [origin],
        "scopes_supported": ["mcp", "mcp:admin"],
        "bearer_methods_supported": ["header"],
        "resource_name": "mcpcheck reference server",
    });
    for path in [format!("{PRM}/mcp"), PRM.to_string()] {
        let (status, doc) = get_json(&s, &path).await;
        assert_eq!((status, &doc), (200, &expected), "{path}");
    }
    let (status, meta) = get_json(&s, "/.well-known/oauth-authorization-server").await;
    assert_eq!(status, 200);
    assert_eq!(meta["issuer"], origin);
    assert_eq!(meta["issuer"], s.issuer().issuer());
    assert_eq!(meta["token_endpoint"], format!("{origin}/oauth/token"));
    assert_eq!(meta["jwks_uri"], format!("{origin}/oauth/jwks"));
    assert_eq!(meta["grant_types_supported"], json!(["client_credentials"]));
    assert_eq!(
        meta["token_endpoint_auth_methods_supported"],
        json!(["client_secret_basic", "client_secret_post"])
    );
    assert_eq!(meta["scopes_supported"], json!(["mcp", "mcp:admin"]));
    assert_eq!(meta["response_types_supported"], json!([]));
    let (_, jwks) = get_json(&s, "/oauth/jwks").await;
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    let k = &keys[0];
    assert_eq!(
        (&k["kty"], &k["crv"], &k["alg"], &k["use"]),
        (
            &json!("EC"),
            &json!("P-256"),
            &json!("ES256"),
            &json!("sig")
        )
    );
    for c in ["x", "y"] {
        assert_eq!(
            URL_SAFE_NO_PAD
                .decode(k[c].as_str().unwrap())
                .unwrap()
                .len(),
            32
        );
    }
    assert!(k["kid"].is_string());
    assert!(k.get("d").is_none(), "private key published");

    // Unprotected servers have none of it.
    let plain = start(None).await;
    for path in [
        PRM,
        "/.well-known/oauth-authorization-server",
        "/oauth/jwks",
    ] {
        assert_eq!(get_json(&plain, path).await.0, 404, "{path}");
    }
}

// ---------------------------------------------------------------------------------------------
// The protected endpoint

#[tokio::test]
async fn requests_without_a_token_are_challenged() {
    let s = start_auth(None).await;
    let expected = format!(
        "Bearer resource_metadata=\"{}{PRM}/mcp\", scope=\"mcp\"",
        s.origin()
    );
    let anonymous = s.with_token(None);
    let r = anonymous.request("server/discover", json!({})).await;
    assert_eq!(r.status, 401);
    assert_eq!(challenge(&r), expected);
    assert_eq!(r.content_type(), "application/json");
    // Another scheme is no bearer token.
    let r = discover_with(&s, &["Basic bWNwY2hlY2s6eA=="]).await;
    assert_eq!((r.status, challenge(&r)), (401, expected.clone()));
    // Before anything else: a bad Origin, a bad body or GET / DELETE are still 401.
    let r = anonymous
        .request_with(
            "tools/list",
            with_meta(json!({})),
            &[],
            &[("Origin", "http://evil.example")],
        )
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(anonymous.post_raw(&[], "{not json").await.status, 401);
    for method in [reqwest::Method::GET, reqwest::Method::DELETE] {
        let r = s.http.request(method.clone(), &s.url).send().await.unwrap();
        assert_eq!(r.status(), 401, "{method}");
        let token = s.token.clone().unwrap();
        let r = s
            .http
            .request(method.clone(), &s.url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 405, "{method}");
    }
    // A query-string token is never looked at.
    let mut q = s.with_token(None);
    q.url = format!("{}?access_token={}", s.url, s.token.clone().unwrap());
    assert_eq!(q.request("server/discover", json!({})).await.status, 401);
    // With the token everything is as usual.
    assert_eq!(s.request("server/discover", json!({})).await.status, 200);
}

#[tokio::test]
async fn malformed_authorization_is_400() {
    let s = start_auth(None).await;
    let token = s.token.clone().unwrap();
    let good = format!("Bearer {token}");
    for values in [
        vec!["Bearer"],
        vec!["Bearer    "],
        vec!["Bearer a b"],
        vec!["Bearer ab$c"],
        vec!["Bearer =abc"],
        vec![good.as_str(), good.as_str()],
    ] {
        let r = discover_with(&s, &values).await;
        assert_eq!(r.status, 400, "{values:?}: {r:?}");
        let c = challenge(&r);
        assert!(
            c.starts_with("Bearer error=\"invalid_request\", error_description=\""),
            "{c}"
        );
        assert!(
            c.contains(&format!("resource_metadata=\"{}{PRM}/mcp\"", s.origin())),
            "{c}"
        );
        assert_eq!(r.json()["error"], "invalid_request");
    }
    // The scheme name is case-insensitive.
    let r = discover_with(&s, &[&format!("bearer {token}")]).await;
    assert_eq!(r.status, 200);
}

/// Asserts a 401 `invalid_token` with a full challenge.
fn assert_invalid_token(s: &Server, r: &Resp, why: &str) {
    assert_eq!(r.status, 401, "{why}: {r:?}");
    let c = challenge(r);
    assert!(
        c.starts_with("Bearer error=\"invalid_token\", error_description=\""),
        "{why}: {c}"
    );
    assert!(
        c.ends_with(&format!(
            "resource_metadata=\"{}{PRM}/mcp\", scope=\"mcp\"",
            s.origin()
        )),
        "{why}: {c}"
    );
    assert_eq!(r.json()["error"], "invalid_token", "{why}");
}

#[tokio::test]
async fn unacceptable_tokens_are_401_invalid_token() {
    let s = start_auth(None).await;
    let discover = |token: String| {
        let user = s.with_token(Some(token));
        async move { user.request("server/discover", json!({})).await }
    };

    // A genuine token from the token endpoint, but for another resource.
    let form = "grant_type=client_credentials&resource=http%3A%2F%2F127.0.0.1%3A1%2Fmcp";
    let other = s.token_request(BASIC, form).await.json()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let r = discover(other).await;
    assert_invalid_token(&s, &r, "wrong audience");
    assert!(challenge(&r).contains("aud"), "{r:?}");

    let r = discover(s.issuer().mint(&s.url, "mcp", -120)).await;
    assert_invalid_token(&s, &r, "expired");
    assert!(challenge(&r).contains("expired"));
    // Within the leeway it still counts.
    let r = discover(s.issuer().mint(&s.url, "mcp", -5)).await;
    assert_eq!(r.status, 200);

    // Tampered signature, edited claims, not a JWT.
    let token = s.token.clone().unwrap();
    let (body, sig) = token.rsplit_once('.').unwrap();
    let flipped = format!(
        "{body}.{}{}",
        if sig.starts_with('A') { "B" } else { "A" },
        &sig[1..]
    );
    assert_invalid_token(&s, &discover(flipped).await, "tampered signature");
    let (h, c) = parts(&token);
    let mut c2 = c.clone();
    c2["scope"] = json!("mcp mcp:admin extra");
    let edited = format!(
        "{}.{}.{sig}",
        URL_SAFE_NO_PAD.encode(h.to_string()),
        URL_SAFE_NO_PAD.encode(c2.to_string())
    );
    assert_invalid_token(&s, &discover(edited).await, "edited claims");
    assert_invalid_token(&s, &discover("abc".into()).await, "not a JWT");

    // alg none and a symmetric alg are never accepted.
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"at+jwt"}"#),
        URL_SAFE_NO_PAD.encode(c.to_string())
    );
    assert_invalid_token(&s, &discover(none).await, "alg none");
    let mut hs = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    hs.kid = h["kid"].as_str().map(String::from);
    let (_, jwks) = get_json(&s, "/oauth/jwks").await;
    let hs_token = jsonwebtoken::encode(
        &hs,
        &c,
        &jsonwebtoken::EncodingKey::from_secret(jwks["keys"][0]["x"].as_str().unwrap().as_bytes()),
    )
    .unwrap();
    assert_invalid_token(&s, &discover(hs_token).await, "HS256");

    // Another issuer's token for this resource, and a self-signed one with an embedded key.
    let stranger = start_auth(None).await;
    assert_invalid_token(
        &s,
        &discover(stranger.issuer().mint(&s.url, "mcp", 300)).await,
        "foreign issuer",
    );
    let (pkcs8, _) = new_key();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.jwk = Some(jwk_of(&pkcs8));
    let claims = json!({"iss": s.origin(), "aud": s.url, "scope": "mcp", "exp": now() + 300});
    let forged = jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_ec_der(&pkcs8),
    )
    .unwrap();
    assert_invalid_token(&s, &discover(forged).await, "embedded jwk");
}

#[tokio::test]
async fn scopes_gate_the_server_and_the_admin_tool() {
    let s = start_auth(None).await;
    let with_scope = |scope: &str| s.with_token(Some(s.issuer().mint(&s.url, scope, 300)));

    // No usable scope: 403 asking for mcp.
    for scope in ["", "profile"] {
        let r = with_scope(scope)
            .request("server/discover", json!({}))
            .await;
        assert_eq!(r.status, 403, "{scope:?}");
        let c = challenge(&r);
        assert!(
            c.starts_with(&format!(
                "Bearer error=\"insufficient_scope\", scope=\"mcp\", resource_metadata=\"{}{PRM}/mcp\"",
                s.origin()
            )),
            "{c}"
        );
        assert_eq!(r.json()["error"], "insufficient_scope");
    }

    // mcp: no admin tool in the list, and calling it is 403 asking for mcp:admin.
    let base = with_scope("mcp");
    let listed = base.list_all("tools/list", "tools").await;
    assert_eq!(listed.len(), 35);
    assert!(!listed.iter().any(|t| t["name"] == SCOPED_TOOL));
    let r = base.call_tool(SCOPED_TOOL, json!({})).await;
    assert_eq!(r.status, 403);
    assert!(challenge(&r).contains("scope=\"mcp:admin\""), "{r:?}");
    assert!(
        challenge(&r).contains("error=\"insufficient_scope\""),
        "{r:?}"
    );
    // Unparseable bodies go on to the normal handling.
    assert_eq!(base.post_raw(&[], "{not json").await.status, 400);

    // mcp:admin (alone it implies mcp): listed last, callable.
    for scope in ["mcp mcp:admin", "mcp:admin"] {
        let admin = with_scope(scope);
        let listed = admin.list_all("tools/list", "tools").await;
        assert_eq!(listed.len(), 36, "{scope}");
        let tool = listed.last().unwrap();
        assert_eq!(tool["name"], SCOPED_TOOL);
        assert_eq!(tool["annotations"]["readOnlyHint"], false);
        assert_eq!(tool["inputSchema"]["type"], "object");
        let r = admin.call_tool(SCOPED_TOOL, json!({})).await.json();
        assert_eq!(
            r["result"]["content"][0]["text"], "admin action done",
            "{r}"
        );
        assert_ne!(r["result"]["isError"], true);
    }
    // The first page is the same for everyone.
    let p1 = |srv: Server| async move {
        srv.request("tools/list", json!({})).await.json()["result"]["tools"].clone()
    };
    assert_eq!(
        p1(with_scope("mcp")).await,
        p1(with_scope("mcp:admin")).await
    );
}

#[tokio::test]
async fn cacheable_results_are_private() {
    let s = start_auth(None).await;
    for method in [
        "server/discover",
        "tools/list",
        "prompts/list",
        "resources/list",
        "resources/templates/list",
    ] {
        for page in s.list_pages(method).await {
            assert_eq!(page["cacheScope"], "private", "{method}");
        }
    }
    let r = s
        .request("resources/read", json!({"uri": "test://static-text"}))
        .await
        .json();
    assert_eq!(r["result"]["cacheScope"], "private");
}

#[tokio::test]
async fn audience_scheme_and_host_compare_case_insensitively() {
    let s = start_auth(None).await;
    let upper = s.url.replacen("http://", "HTTP://", 1);
    let user = s.with_token(Some(s.issuer().mint(&upper, "mcp", 300)));
    assert_eq!(user.request("server/discover", json!({})).await.status, 200);

    let named = start_auth_with(Config {
        auth: Some(AuthConfig {
            resource: Some("https://mcp.example.com/mcp".into()),
            ..AuthConfig::default()
        }),
        ..Config::default()
    })
    .await;
    let (_, prm) = get_json(&named, &format!("{PRM}/mcp")).await;
    assert_eq!(prm["resource"], "https://mcp.example.com/mcp");
    // The token endpoint's default audience is the configured resource.
    let v = named
        .token_request(BASIC, "grant_type=client_credentials")
        .await
        .json();
    let (_, claims) = parts(v["access_token"].as_str().unwrap());
    assert_eq!(claims["aud"], "https://mcp.example.com/mcp");
    let status = |aud: &str| {
        let user = named.with_token(Some(named.issuer().mint(aud, "mcp", 300)));
        async move { user.request("server/discover", json!({})).await.status }
    };
    assert_eq!(status("HTTPS://MCP.Example.COM/mcp").await, 200);
    assert_eq!(status("https://mcp.example.com/MCP").await, 401);
    assert_eq!(status("https://mcp.example.com/mcp/").await, 401);
    assert_eq!(status(&named.url).await, 401);
}

// ---------------------------------------------------------------------------------------------
// Signing keys

/// A fresh P-256 key: PKCS#8 DER and the uncompressed public point.
fn new_key() -> (Vec<u8>, Vec<u8>) {
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
    let alg = &ECDSA_P256_SHA256_FIXED_SIGNING;
    let doc = EcdsaKeyPair::generate_pkcs8(alg, &aws_lc_rs::rand::SystemRandom::new()).unwrap();
    let pair = EcdsaKeyPair::from_pkcs8(alg, doc.as_ref()).unwrap();
    (doc.as_ref().to_vec(), pair.public_key().as_ref().to_vec())
}

/// The public JWK of a PKCS#8 P-256 key.
fn jwk_of(pkcs8: &[u8]) -> jsonwebtoken::jwk::Jwk {
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8).unwrap();
    let point = pair.public_key().as_ref();
    serde_json::from_value(json!({"kty": "EC", "crv": "P-256",
        "x": URL_SAFE_NO_PAD.encode(&point[1..33]), "y": URL_SAFE_NO_PAD.encode(&point[33..65])}))
    .unwrap()
}

fn pem(der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        lines.join("\n")
    )
}

/// A file in the temp dir, removed on drop.
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn new(name: &str, contents: &str) -> TempFile {
        let path = std::env::temp_dir().join(format!("mcpcheck-{}-{name}", std::process::id()));
        std::fs::write(&path, contents).unwrap();
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn with_key(path: &std::path::Path) -> Config {
    Config {
        auth: Some(AuthConfig {
            signing_key: Some(path.to_path_buf()),
            ..AuthConfig::default()
        }),
        ..Config::default()
    }
}

#[tokio::test]
async fn signing_key_files_round_trip() {
    let (pkcs8, point) = new_key();
    let file = TempFile::new("key.pem", &pem(&pkcs8));
    let s = start_auth_with(with_key(&file.0)).await;
    let (_, jwks) = get_json(&s, "/oauth/jwks").await;
    let k = &jwks["keys"][0];
    assert_eq!(k["x"], URL_SAFE_NO_PAD.encode(&point[1..33]));
    assert_eq!(k["y"], URL_SAFE_NO_PAD.encode(&point[33..65]));
    // The kid is a function of the key: a second server with the file publishes the same.
    let again = start_auth_with(with_key(&file.0)).await;
    assert_eq!(
        get_json(&again, "/oauth/jwks").await.1["keys"][0]["kid"],
        k["kid"]
    );
    assert_eq!(s.request("server/discover", json!({})).await.status, 200);

    // Holding the key, tokens of any shape can be made: the claim rules apply to them.
    let sign = |claims: Value| {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
        header.kid = k["kid"].as_str().map(String::from);
        header.typ = Some("at+jwt".into());
        let key = jsonwebtoken::EncodingKey::from_ec_der(&pkcs8);
        s.with_token(Some(jsonwebtoken::encode(&header, &claims, &key).unwrap()))
    };
    let status = |claims: Value| {
        let user = sign(claims);
        async move { user.request("server/discover", json!({})).await.status }
    };
    let iss = s.origin();
    let t = now();
    assert_eq!(
        status(json!({"iss": iss, "aud": ["urn:a", s.url], "scope": "mcp", "exp": t + 60})).await,
        200
    );
    assert_eq!(
        status(json!({"iss": iss, "aud": s.url, "scp": ["mcp"], "exp": t + 60})).await,
        200
    );
    assert_eq!(
        status(json!({"iss": iss, "aud": ["urn:a"], "scope": "mcp", "exp": t + 60})).await,
        401
    );
    assert_eq!(
        status(json!({"iss": iss, "aud": s.url, "scope": "mcp"})).await,
        401
    );
    assert_eq!(
        status(json!({"iss": iss, "aud": s.url, "scope": "mcp", "exp": t + 600, "nbf": t + 300}))
            .await,
        401
    );
    assert_eq!(
        status(json!({"aud": s.url, "scope": "mcp", "exp": t + 60})).await,
        401
    );
    assert_eq!(
        status(json!({"iss": format!("{iss}/"), "aud": s.url, "scope": "mcp", "exp": t + 60}))
            .await,
        401
    );
    assert_eq!(status(json!(["not", "an", "object"])).await, 401);
}

#[tokio::test]
async fn bad_signing_key_files_fail_spawn() {
    let addr = "127.0.0.1:0".parse().unwrap();
    let missing = std::env::temp_dir().join("mcpcheck-no-such-key.pem");
    let garbage = TempFile::new(
        "garbage.pem",
        "-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----\n",
    );
    let no_block = TempFile::new("empty.pem", "hello\n");
    let (pkcs8, _) = new_key();
    let mut truncated = pkcs8.clone();
    truncated.truncate(20);
    let short = TempFile::new("short.pem", &pem(&truncated));
    for path in [&missing, &garbage.0, &no_block.0, &short.0] {
        let err = match spawn(addr, with_key(path)).await {
            Ok(_) => panic!("{} accepted", path.display()),
            Err(e) => e.to_string(),
        };
        assert!(err.contains("signing key"), "{err}");
    }
}

// ---------------------------------------------------------------------------------------------
// External issuer

#[tokio::test]
async fn trusts_an_external_issuer() {
    let a = start_auth(None).await;
    let b = start_with(Config {
        auth: Some(AuthConfig {
            issuer: Some(a.issuer().issuer().to_string()),
            ..AuthConfig::default()
        }),
        ..Config::default()
    })
    .await;
    // B serves its PRM naming A, and no authorization server of its own.
    let (status, prm) = get_json(&b, &format!("{PRM}/mcp")).await;
    assert_eq!(status, 200);
    assert_eq!(prm["resource"], b.url);
    assert_eq!(prm["authorization_servers"], json!([a.origin()]));
    for path in ["/.well-known/oauth-authorization-server", "/oauth/jwks"] {
        assert_eq!(get_json(&b, path).await.0, 404, "{path}");
    }
    assert_eq!(
        b.token_request(BASIC, "grant_type=client_credentials")
            .await
            .status,
        404
    );

    // A token from A's endpoint for B works on B.
    let resource: String = url_encode(&b.url);
    let form = format!("grant_type=client_credentials&scope=mcp+mcp%3Aadmin&resource={resource}");
    let v = a.token_request(BASIC, &form).await.json();
    let for_b = b.with_token(v["access_token"].as_str().map(String::from));
    assert_eq!(
        for_b.request("server/discover", json!({})).await.status,
        200
    );
    let r = for_b.call_tool(SCOPED_TOOL, json!({})).await.json();
    assert_eq!(
        r["result"]["content"][0]["text"], "admin action done",
        "{r}"
    );
    // A's own-resource token works on A only.
    let v = a
        .token_request(BASIC, "grant_type=client_credentials")
        .await
        .json();
    let token = v["access_token"].as_str().map(String::from);
    assert_eq!(
        a.with_token(token.clone())
            .request("server/discover", json!({}))
            .await
            .status,
        200
    );
    let r = b
        .with_token(token)
        .request("server/discover", json!({}))
        .await;
    assert_eq!(r.status, 401);
    assert!(challenge(&r).contains("aud"), "{r:?}");
    // Tokens of another issuer are refused by B even for B's resource.
    let stranger = start_auth(None).await;
    let r = b
        .with_token(Some(stranger.issuer().mint(&b.url, "mcp", 300)))
        .request("server/discover", json!({}))
        .await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn an_issuer_without_metadata_fails_spawn() {
    let plain = start(None).await;
    let config = Config {
        auth: Some(AuthConfig {
            issuer: Some(plain.origin()),
            ..AuthConfig::default()
        }),
        ..Config::default()
    };
    let err = match spawn("127.0.0.1:0".parse().unwrap(), config).await {
        Ok(_) => panic!("spawned"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("oauth-authorization-server") && err.contains("openid-configuration"),
        "{err}"
    );
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
