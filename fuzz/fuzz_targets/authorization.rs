//! The reference server's bearer-token gate (`--auth` with its built-in authorization server)
//! and the harness's `WWW-Authenticate` challenge parser.
//!
//! Properties:
//! * `Authorization` parsing: a bearer token is returned only for the `Bearer` scheme, is a
//!   non-empty RFC 6750 b64token and is taken verbatim from the header value;
//! * JWT verification: a token is accepted only if it is, character for character, one the
//!   issuer minted for this resource (an audience naming it), not expired, and then grants
//!   exactly the scopes minted into it; each genuine token is judged as expected. Fuzz-edited
//!   tokens, tokens whose header or claims were edited and re-encoded under the original
//!   signature, `alg: none` and HMAC-signed forgeries, and arbitrary strings are all rejected;
//! * the `/mcp` gate: a request passes only with exactly one `Authorization` header carrying
//!   such a token with the `mcp` scope, and is otherwise refused with 400, 401 or 403;
//! * the challenge parser never panics, and what it returns is well-formed (schemes and
//!   parameter names are tokens); challenges it is given in canonical form parse back equal.

#![no_main]

use std::net::SocketAddr;
use std::sync::LazyLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use hmac::{Hmac, KeyInit, Mac};
use libfuzzer_sys::arbitrary::{self, Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use mcpcheck::auth::{Challenge, parse_challenges};
use mcpcheck_fuzz::{Edit, edited, fields};
use mcpcheck_reference_server::fuzzing::{AuthGate, Granted, bearer_token};

/// Valid for ten years: stays valid however long a campaign runs.
const LIVE: i64 = 10 * 365 * 24 * 3600;

#[derive(Debug)]
struct Minted {
    token: String,
    /// Acceptable: minted for this resource and not expired.
    acceptable: bool,
    grant: Granted,
}

struct World {
    gate: AuthGate,
    minted: Vec<Minted>,
}

static WORLD: LazyLock<World> = LazyLock::new(|| {
    let addr = SocketAddr::from(([127, 0, 0, 1], 1));
    let gate = AuthGate::new(addr).expect("the built-in authorization server starts");
    let resource = gate.resource().to_owned();
    let base = Granted {
        base: true,
        admin: false,
    };
    let admin = Granted {
        base: true,
        admin: true,
    };
    let none = Granted {
        base: false,
        admin: false,
    };
    // (audience, scope, lifetime, acceptable, grant)
    let cases: Vec<(String, &str, i64, bool, Granted)> = vec![
        (resource.clone(), "mcp", LIVE, true, base),
        (resource.clone(), "mcp mcp:admin", LIVE, true, admin),
        (resource.clone(), "mcp:admin", LIVE, true, admin),
        (resource.clone(), "profile", LIVE, true, none),
        // Scheme and host compare case-insensitively (RFC 3986 §6.2.2.1).
        ("HTTP://127.0.0.1:1/mcp".to_owned(), "mcp", LIVE, true, base),
        (resource.clone(), "mcp", -3600, false, base),
        (format!("{resource}/"), "mcp", LIVE, false, base),
        (
            "http://127.0.0.1:2/mcp".to_owned(),
            "mcp",
            LIVE,
            false,
            base,
        ),
        (
            "https://127.0.0.1:1/mcp".to_owned(),
            "mcp",
            LIVE,
            false,
            base,
        ),
        (
            "http://127.0.0.1:1/MCP".to_owned(),
            "mcp",
            LIVE,
            false,
            base,
        ),
        (String::new(), "mcp", LIVE, false, base),
    ];
    let minted = cases
        .into_iter()
        .map(|(aud, scope, life, acceptable, grant)| Minted {
            token: gate.mint(&aud, scope, life),
            acceptable,
            grant,
        })
        .collect();
    World { gate, minted }
});

#[derive(Debug)]
enum Forgery {
    /// Character edits of the whole token.
    Edit(Vec<Edit>),
    /// Edits of the decoded claims JSON, re-encoded under the original header and signature.
    Claims(Vec<Edit>),
    /// Edits of the decoded header JSON, re-encoded under the original claims and signature.
    Header(Vec<Edit>),
    /// Claims replaced wholesale by this JSON text, under the original header and signature.
    NewClaims(String),
    /// `alg: none` with the genuine claims and this signature.
    AlgNone(String),
    /// HS256 over the genuine claims with this secret.
    Hmac(Vec<u8>),
    /// This string instead of a token.
    Raw(String),
}

/// Input: text fields, one per line, then bytes for `arbitrary` (see `mcpcheck_fuzz::fields`):
/// which genuine token (a number), the forgery (`edit`, `claims`, `header`, `new-claims`,
/// `none`, `hmac` or `raw`), its text argument, the text before the token in the header
/// (`Bearer ` when empty), the text after it, another `Authorization` value, a
/// `WWW-Authenticate` value; the tail gives the edits and canonical challenges.
#[derive(Debug)]
struct Input {
    which: usize,
    forgery: Forgery,
    scheme: String,
    suffix: String,
    extra_header: Option<Vec<u8>>,
    challenge_value: String,
    canonical: Vec<CanonicalChallenge>,
}

impl Input {
    fn parse(data: &[u8]) -> Input {
        let ([which, kind, argument, scheme, suffix, extra, challenge], tail) = fields(data);
        let mut u = Unstructured::new(tail);
        let edits = Vec::<Edit>::arbitrary(&mut u).unwrap_or_default();
        let canonical = Vec::<CanonicalChallenge>::arbitrary_take_rest(u).unwrap_or_default();
        let forgery = match kind.as_str() {
            "claims" => Forgery::Claims(edits),
            "header" => Forgery::Header(edits),
            "new-claims" => Forgery::NewClaims(argument),
            "none" => Forgery::AlgNone(argument),
            "hmac" => Forgery::Hmac(argument.into_bytes()),
            "raw" => Forgery::Raw(argument),
            _ => Forgery::Edit(edits),
        };
        Input {
            which: which.trim().parse().unwrap_or(which.len()),
            forgery,
            scheme: if scheme.is_empty() {
                "Bearer ".to_owned()
            } else {
                scheme
            },
            suffix,
            extra_header: (!extra.is_empty()).then(|| extra.into_bytes()),
            challenge_value: challenge,
            canonical,
        }
    }
}

fn segments(token: &str) -> (String, String, String) {
    let mut it = token.splitn(3, '.');
    let mut next = || it.next().unwrap_or_default().to_owned();
    (next(), next(), next())
}

fn decoded(segment: &str) -> String {
    String::from_utf8(B64URL.decode(segment).expect("own base64")).expect("own JSON is UTF-8")
}

fn forge(genuine: &str, forgery: &Forgery) -> String {
    let (header, claims, signature) = segments(genuine);
    match forgery {
        Forgery::Edit(edits) => edited(genuine, edits),
        Forgery::Claims(edits) => {
            let c = edited(&decoded(&claims), edits);
            format!("{header}.{}.{signature}", B64URL.encode(c))
        }
        Forgery::Header(edits) => {
            let h = edited(&decoded(&header), edits);
            format!("{}.{claims}.{signature}", B64URL.encode(h))
        }
        Forgery::NewClaims(text) => format!("{header}.{}.{signature}", B64URL.encode(text)),
        Forgery::AlgNone(sig) => {
            let h = B64URL.encode(r#"{"alg":"none","typ":"at+jwt"}"#);
            format!("{h}.{claims}.{sig}")
        }
        Forgery::Hmac(secret) => {
            let h = B64URL.encode(r#"{"alg":"HS256","typ":"at+jwt"}"#);
            let input = format!("{h}.{claims}");
            let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret)
                .expect("HMAC takes any key");
            mac.update(input.as_bytes());
            let sig = B64URL.encode(mac.finalize().into_bytes());
            format!("{input}.{sig}")
        }
        Forgery::Raw(s) => s.clone(),
    }
}

/// The genuine token `token` is, if any.
fn genuine<'w>(world: &'w World, token: &str) -> Option<&'w Minted> {
    world.minted.iter().find(|m| m.token == token)
}

fn check_verify(world: &World, token: &str) {
    let verdict = world.gate.verify(token);
    match (genuine(world, token), verdict) {
        (Some(m), Ok(g)) => {
            assert!(
                m.acceptable,
                "accepted a token that must be refused: {token}"
            );
            assert_eq!(g, m.grant, "wrong grant for {token}");
        }
        (Some(m), Err(why)) => {
            assert!(!m.acceptable, "refused a genuine token ({why}): {token}");
        }
        (None, Ok(g)) => panic!("accepted a token the issuer never minted ({g:?}): {token:?}"),
        (None, Err(_)) => {}
    }
}

fn is_b64token(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

fn check_bearer(value: &[u8]) -> Option<String> {
    let parsed = bearer_token(value)?;
    let Ok(Some(token)) = parsed else {
        return None;
    };
    let text = std::str::from_utf8(value).expect("a bearer header value is visible ASCII");
    assert!(
        is_b64token(&token),
        "not a b64token: {token:?} from {text:?}"
    );
    assert!(text.contains(&token), "{token:?} is not in {text:?}");
    let scheme = text.trim_start_matches([' ', '\t']).split(' ').next();
    assert!(
        scheme.is_some_and(|s| s.eq_ignore_ascii_case("bearer")),
        "a token from a non-Bearer value {text:?}"
    );
    Some(token)
}

fn check_gate(world: &World, values: &[Vec<u8>]) {
    let slices: Vec<&[u8]> = values.iter().map(Vec::as_slice).collect();
    let verdict = world.gate.authenticate(&slices);
    let sent: Vec<&[u8]> = slices
        .iter()
        .copied()
        .filter(|v| bearer_token(v).is_some())
        .collect();
    match verdict {
        Ok(g) => {
            assert_eq!(
                sent.len(),
                1,
                "passed with {} Authorization values",
                sent.len()
            );
            let token = check_bearer(sent[0]).expect("passed without a bearer token");
            let m = genuine(world, &token)
                .unwrap_or_else(|| panic!("passed with a token never minted: {token:?}"));
            assert!(m.acceptable && m.grant.base, "passed with {token}");
            assert_eq!(g, m.grant);
        }
        Err(status) => assert!(
            matches!(status, 400 | 401 | 403),
            "refused with status {status}"
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// WWW-Authenticate

const TCHARS: &[u8] =
    b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| TCHARS.contains(&b))
}

/// A challenge built from fuzz data, written in canonical form.
#[derive(Debug, Arbitrary)]
struct CanonicalChallenge {
    scheme: Vec<u8>,
    params: Vec<(Vec<u8>, String)>,
}

fn token_of(bytes: &[u8]) -> String {
    let t: String = bytes
        .iter()
        .map(|b| char::from(TCHARS[usize::from(*b) % TCHARS.len()]))
        .collect();
    if t.is_empty() { "x".to_owned() } else { t }
}

impl CanonicalChallenge {
    /// `Scheme name="value", ...` with at least one parameter (a challenge without any is
    /// ambiguous before another challenge).
    fn build(&self) -> Challenge {
        let mut params: Vec<(String, String)> = self
            .params
            .iter()
            .map(|(n, v)| (token_of(n), v.clone()))
            .collect();
        if params.is_empty() {
            params.push(("realm".to_owned(), "mcp".to_owned()));
        }
        Challenge {
            scheme: token_of(&self.scheme),
            params,
            token68: None,
        }
    }
}

fn render(c: &Challenge) -> String {
    let params: Vec<String> = c
        .params
        .iter()
        .map(|(n, v)| {
            let quoted: String = v
                .chars()
                .flat_map(|ch| match ch {
                    '"' | '\\' => vec!['\\', ch],
                    _ => vec![ch],
                })
                .collect();
            format!("{n}=\"{quoted}\"")
        })
        .collect();
    format!("{} {}", c.scheme, params.join(", "))
}

fn check_challenges(values: &[String], canonical: &[CanonicalChallenge]) {
    let parsed = parse_challenges(values.iter().map(String::as_str));
    for c in &parsed {
        assert!(is_token(&c.scheme), "scheme is not a token: {c:?}");
        for (name, _) in &c.params {
            assert!(is_token(name), "parameter name is not a token: {c:?}");
        }
    }
    let built: Vec<Challenge> = canonical.iter().map(CanonicalChallenge::build).collect();
    if built.is_empty() {
        return;
    }
    let text = built.iter().map(render).collect::<Vec<_>>().join(", ");
    let parsed = parse_challenges([text.as_str()]);
    assert_eq!(
        parsed, built,
        "canonical challenges {text:?} parsed differently"
    );
}

fuzz_target!(|data: &[u8]| {
    let input = Input::parse(data);
    let world = &*WORLD;
    let m = &world.minted[input.which % world.minted.len()];

    // Each genuine token is judged as expected, directly and by the gate, and so is its
    // forgery.
    check_verify(world, &m.token);
    let genuine_header = format!("Bearer {}", m.token).into_bytes();
    match world.gate.authenticate(&[&genuine_header]) {
        Ok(g) => assert!(
            m.acceptable && m.grant.base && g == m.grant,
            "gate passed {m:?}"
        ),
        Err(status) => assert!(
            !(m.acceptable && m.grant.base) && status == if m.acceptable { 403 } else { 401 },
            "gate refused {m:?} with {status}"
        ),
    }
    let token = forge(&m.token, &input.forgery);
    check_verify(world, &token);

    // Through the Authorization header, alone and with another value.
    let value = format!("{}{token}{}", input.scheme, input.suffix).into_bytes();
    check_bearer(&value);
    check_gate(world, std::slice::from_ref(&value));
    if let Some(extra) = &input.extra_header {
        check_bearer(extra);
        check_gate(world, &[value, extra.clone()]);
    }

    check_challenges(&[input.challenge_value], &input.canonical);
});
