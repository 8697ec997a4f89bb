//! The bundled reference MCP server (revision 2026-07-28, stateless Streamable HTTP and stdio),
//! with fault modes that each break exactly one requirement. See README.md for fixtures and faults.

use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;

mod auth;
mod faults;
mod fixtures;
#[doc(hidden)]
pub mod fuzzing;
mod mrtr;
mod resp;
mod rpc;
mod server;
mod stdio;
mod store;
mod tasks;

pub use auth::{
    AuthConfig, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Issuer, SCOPE_ADMIN, SCOPE_BASE,
    SCOPED_TOOL,
};
pub use faults::{FAULTS, FaultKind};
pub use resp::{Connection as RespConnection, Reply as RespReply, parse_url as parse_redis_url};
pub use server::{decode_sentinel, origin_allowed};
pub use stdio::serve as serve_stdio;
pub use store::{MemoryStore, RedisStore, StoreError, TaskStore};
pub use tasks::EXTENSION as TASKS_EXTENSION;

/// The only protocol revision this server implements.
pub const REVISION: &str = mcpcheck_schemas::REVISION;
/// Versions listed in `supportedVersions` and in -32022 `data.supported`.
pub const SUPPORTED_VERSIONS: &[&str] = &[REVISION];
/// `serverInfo.name` in result `_meta`.
pub const SERVER_NAME: &str = "mcpcheck-reference-server";
/// `serverInfo.version` in result `_meta`.
pub const SERVER_VERSION: &str = env!("CARGO_PKG_VERSION");

/// A fault mode breaks one rule so that mcpcheck's checks are proven able to fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fault {
    pub name: &'static str,
    /// The requirements the fault actually breaks (detection is judged on these).
    pub requirements: &'static [&'static str],
    /// Requirements whose checks also fail as an unavoidable consequence, because they can no
    /// longer observe the answer (e.g. error-code checks when error bodies are not JSON-RPC).
    pub collateral: &'static [&'static str],
    pub description: &'static str,
}

impl Fault {
    /// Whether the fault acts only on the stdio binding (`--stdio`): it breaks a `STDIO-*` rule
    /// and leaves the Streamable HTTP endpoint unchanged.
    pub fn stdio_only(&self) -> bool {
        self.requirements.iter().any(|r| r.starts_with("STDIO-"))
    }

    /// Whether the fault acts only in protected-resource mode (`--auth`): it breaks an `AUTH-*`
    /// rule and changes nothing on an unprotected server.
    pub fn auth_only(&self) -> bool {
        self.requirements.iter().any(|r| r.starts_with("AUTH-"))
    }

    /// Whether the fault is one for the fuzzer to find (`fuzz-*`): a robustness defect that
    /// only unusual input reaches, which the conformance scenarios are not expected to catch.
    pub fn fuzz_only(&self) -> bool {
        self.name.starts_with("fuzz-")
    }
}

pub fn fault_by_name(name: &str) -> Option<&'static Fault> {
    FAULTS.iter().find(|f| f.name == name)
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    pub fault: Option<&'static Fault>,
    /// Origins allowed in addition to loopback ones (exact, case-insensitive match such as
    /// `https://app.example`).
    pub allowed_origins: Vec<String>,
    /// Offer tools only: discover declares just `tools` (no list-change notifications), and
    /// resources, prompts, completion, `subscriptions/listen` and the tools that need them or
    /// logging are absent. Shows that a server is never failed for what it does not offer.
    pub tools_only: bool,
    /// The task store: `None` (or `"memory"`) for a store of this instance only, or
    /// `redis://HOST:PORT[/DB]` for a Redis store shared by every instance that names it.
    pub store: Option<String>,
    /// The `requestState` HMAC key (any non-empty string). `None`: `MCPCHECK_STATE_KEY`, else
    /// (Redis store) a key shared through Redis, else random per instance.
    pub state_key: Option<String>,
    /// Protect `/mcp` with OAuth 2.1 bearer tokens (HTTP only); `None`: unprotected.
    pub auth: Option<AuthConfig>,
}

impl Config {
    /// A configuration with one fault mode active.
    pub fn with_fault(fault: &'static Fault) -> Self {
        Config {
            fault: Some(fault),
            ..Config::default()
        }
    }
}

/// A running server.
pub struct Running {
    pub addr: SocketAddr,
    pub url: String,
    pub handle: tokio::task::JoinHandle<()>,
    /// The built-in authorization server (`Some` only in auth mode without an external issuer).
    pub issuer: Option<Issuer>,
}

/// Binds `addr` (use port 0 for an ephemeral port) and serves until the task is dropped/aborted.
/// Fails when the configured task store cannot be used (a Redis store must answer `PING`), and
/// in auth mode when the signing key file is unreadable or invalid or the external issuer's
/// metadata or keys cannot be fetched.
pub async fn spawn(addr: SocketAddr, config: Config) -> std::io::Result<Running> {
    // Bound first: the auth documents and the token audience name the actual address.
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let mut state = server::AppState::build(&config)
        .await
        .map_err(std::io::Error::other)?;
    let mut issuer = None;
    if let Some(auth) = &config.auth {
        let fault = config.fault.and_then(FaultKind::of);
        let auth = auth::Auth::build(auth, addr, fault).await?;
        issuer = auth.issuer_handle();
        state.set_auth(auth);
    }
    let app = server::router(Arc::new(state)).into_make_service_with_connect_info::<server::Conn>();
    let handle = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(Running {
        addr,
        url: format!("http://{addr}/mcp"),
        handle,
        issuer,
    })
}

/// One line per fault: name, TAB, comma-separated requirement ids, TAB, description.
pub fn list_faults() -> String {
    FAULTS
        .iter()
        .map(|f| {
            format!(
                "{}\t{}\t{}\n",
                f.name,
                f.requirements.join(","),
                f.description
            )
        })
        .collect()
}

/// Command-line arguments of the reference server (also flattened into `mcpcheck serve`).
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Run with one fault mode active (see --list-faults).
    #[arg(long, value_name = "NAME")]
    pub fault: Option<String>,
    /// Print the fault modes (name, requirement ids, description; tab-separated) and exit.
    #[arg(long)]
    pub list_faults: bool,
    /// Also allow this Origin (repeatable); loopback origins are always allowed.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    pub allow_origins: Vec<String>,
    /// Serve over stdio instead of HTTP: newline-delimited JSON-RPC on stdin/stdout, logs on
    /// stderr; exits on stdin EOF.
    #[arg(long)]
    pub stdio: bool,
    /// Offer tools only (no resources, prompts, completion, logging, list-change
    /// notifications or tasks).
    #[arg(long)]
    pub tools_only: bool,
    /// Task store: `memory` (default, this instance only) or `redis://HOST:PORT[/DB]`
    /// (shared by every instance using it; also shares the requestState key).
    #[arg(long, value_name = "URL")]
    pub store: Option<String>,
    /// Protect /mcp with OAuth 2.1 bearer tokens, issued by a built-in authorization server on
    /// the same origin (client_credentials) unless --issuer is given.
    #[arg(long)]
    pub auth: bool,
    /// Trust this external authorization server instead of the built-in one (implies --auth).
    #[arg(long, value_name = "URL")]
    pub issuer: Option<String>,
    /// Client id of the built-in authorization server.
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
    /// Client secret of the built-in authorization server.
    #[arg(long, value_name = "SECRET")]
    pub client_secret: Option<String>,
    /// Lifetime of minted access tokens, in seconds (default 300).
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub token_lifetime: Option<u64>,
    /// PEM file with a PKCS#8 P-256 private key for the built-in authorization server
    /// (default: a key generated at start).
    #[arg(long, value_name = "PEM")]
    pub signing_key: Option<std::path::PathBuf>,
    /// The canonical URI of this server (the token audience and the metadata's resource;
    /// default http://ADDR/mcp).
    #[arg(long, value_name = "URL")]
    pub resource: Option<String>,
}

impl ServeArgs {
    /// The auth settings the flags ask for; `Err` names a flag that needs --auth.
    fn auth_config(&self) -> Result<Option<AuthConfig>, String> {
        if !self.auth && self.issuer.is_none() {
            let stray = [
                ("--client-id", self.client_id.is_some()),
                ("--client-secret", self.client_secret.is_some()),
                ("--token-lifetime", self.token_lifetime.is_some()),
                ("--signing-key", self.signing_key.is_some()),
                ("--resource", self.resource.is_some()),
            ];
            if let Some((flag, _)) = stray.iter().find(|(_, given)| *given) {
                return Err(format!("{flag} needs --auth (or --issuer)"));
            }
            return Ok(None);
        }
        let defaults = AuthConfig::default();
        Ok(Some(AuthConfig {
            issuer: self.issuer.clone(),
            client_id: self.client_id.clone().unwrap_or(defaults.client_id),
            client_secret: self.client_secret.clone().unwrap_or(defaults.client_secret),
            token_lifetime_secs: self.token_lifetime.unwrap_or(defaults.token_lifetime_secs),
            signing_key: self.signing_key.clone(),
            resource: self.resource.clone(),
        }))
    }
}

/// Runs the server as the CLI does; returns the process exit code (2 for an unknown fault).
pub async fn run_cli(args: ServeArgs) -> i32 {
    if args.list_faults {
        print!("{}", list_faults());
        return 0;
    }
    let fault = match args.fault.as_deref().map(|n| (n, fault_by_name(n))) {
        None => None,
        Some((_, Some(f))) => Some(f),
        Some((name, None)) => {
            let names: Vec<&str> = FAULTS.iter().map(|f| f.name).collect();
            eprintln!("unknown fault '{name}'; valid faults: {}", names.join(", "));
            return 2;
        }
    };
    let auth = match args.auth_config() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return 2;
        }
    };
    if args.stdio && auth.is_some() {
        eprintln!("--auth and --issuer apply to HTTP only; they cannot be combined with --stdio");
        return 2;
    }
    let banner = auth.clone();
    let config = Config {
        fault,
        allowed_origins: args.allow_origins,
        tools_only: args.tools_only,
        store: args.store,
        state_key: None,
        auth,
    };
    if args.stdio {
        return serve_stdio(config).await;
    }
    let running = match spawn(args.listen, config).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot serve on {}: {e}", args.listen);
            return 1;
        }
    };
    println!("mcpcheck reference server listening on {}", running.url);
    match (&banner, &running.issuer) {
        (Some(a), _) if a.issuer.is_some() => {
            println!(
                "trusting issuer {}",
                a.issuer.as_deref().unwrap_or_default()
            );
        }
        (Some(a), Some(issuer)) => println!(
            "authorization server: {} (client_credentials: client id {}, secret {})",
            issuer.issuer(),
            a.client_id,
            a.client_secret
        ),
        _ => {}
    }
    let _ = std::io::stdout().flush();
    tokio::select! {
        _ = running.handle => 1,
        _ = tokio::signal::ctrl_c() => 0,
    }
}
