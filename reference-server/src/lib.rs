//! The bundled reference MCP server (revision 2026-07-28, stateless Streamable HTTP and stdio),
//! with fault modes that each break exactly one requirement. See README.md for fixtures and faults.

use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;

mod faults;
mod fixtures;
mod mrtr;
mod resp;
mod rpc;
mod server;
mod stdio;
mod store;
mod tasks;

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
}

/// Binds `addr` (use port 0 for an ephemeral port) and serves until the task is dropped/aborted.
/// Fails when the configured task store cannot be used (a Redis store must answer `PING`).
pub async fn spawn(addr: SocketAddr, config: Config) -> std::io::Result<Running> {
    let state = server::AppState::build(&config)
        .await
        .map_err(std::io::Error::other)?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let app = server::router(Arc::new(state)).into_make_service_with_connect_info::<server::Conn>();
    let handle = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(Running {
        addr,
        url: format!("http://{addr}/mcp"),
        handle,
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
    let config = Config {
        fault,
        allowed_origins: args.allow_origins,
        tools_only: args.tools_only,
        store: args.store,
        state_key: None,
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
    let _ = std::io::stdout().flush();
    tokio::select! {
        _ = running.handle => 1,
        _ = tokio::signal::ctrl_c() => 0,
    }
}
