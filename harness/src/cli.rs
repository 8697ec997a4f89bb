//! The `mcpcheck` command line: `run`, `list`, `explain`, `serve`, `fuzz`.
//!
//! Exit codes: 0 no check failed (or only failures the baseline expects); 1 a check failed,
//! a baseline entry is stale, or no check could run; 2 usage or configuration error; 3 the
//! target could not be reached at all.

use std::collections::BTreeMap;
use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand, ValueEnum};
use mcpcheck_reports::{ConsoleOptions, RunRecord, Summary, Target, ToolInfo};
use serde::Deserialize;

use crate::catalogue::Catalogue;
use crate::engine::{RunOptions, Runner};
use crate::library::Library;
use crate::transport::{Transport, TransportConfig};

pub const EXIT_OK: i32 = 0;
pub const EXIT_FAILED: i32 = 1;
pub const EXIT_USAGE: i32 = 2;
pub const EXIT_UNREACHABLE: i32 = 3;

#[derive(Parser, Debug)]
#[command(
    name = "mcpcheck",
    version,
    about = "Conformance tests for MCP servers (revision 2026-07-28)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the scenarios against a server (the bundled reference server when no --url is given).
    Run(Box<RunArgs>),
    /// List the scenarios and the requirement catalogue.
    List(ListArgs),
    /// Explain a requirement id (or a scenario id): the rule, its source and the checks that test it.
    Explain { id: String },
    /// Run the bundled reference server.
    Serve(Box<mcpcheck_reference_server::ServeArgs>),
    /// Fuzz a server (the bundled reference server when no --url or --stdio is given):
    /// generated and mutated requests judged by the schema and the spec's MUSTs; each finding
    /// is shrunk and written as a scenario that `mcpcheck run --scenarios DIR` replays.
    Fuzz(Box<crate::fuzz::command::FuzzArgs>),
}

#[derive(clap::Args, Debug, Default)]
pub struct RunArgs {
    /// Streamable HTTP endpoint of the server under test, e.g. http://127.0.0.1:3000/mcp.
    /// Give it several times for instances of one server behind shared state: each scenario's
    /// requests then go to them in turn, and the multi-instance scenarios run.
    #[arg(long = "url", value_name = "URL")]
    pub url: Vec<String>,
    /// A server that speaks stdio: this command is started as a child process (split like a
    /// shell would, without running one), e.g. --stdio 'python3 server.py --flag'.
    #[arg(long, conflicts_with = "url")]
    pub stdio: Option<String>,
    /// With no --url: start the bundled reference server with this fault mode.
    #[arg(long, conflicts_with = "url")]
    pub fault: Option<String>,
    #[command(flatten)]
    pub reports: ReportPaths,
    /// Console output: human (grouped, with details), compact (one line per check that did
    /// not pass), json-lines (one JSON object per scenario and check, then a summary).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Print only the one-line summary (and errors); no progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// YAML baseline of known failures: a `server:` list of `scenario` or `scenario:check`
    /// ids. Listed failures do not fail the run; a listed entry that passes does (stale).
    #[arg(long, value_name = "FILE")]
    pub expected_failures: Option<PathBuf>,
    /// SHOULD-level violations fail the run.
    #[arg(long)]
    pub strict: bool,
    /// Only scenarios whose id matches (glob, `*` wildcard) or that check this requirement id.
    /// Repeatable; comma-separated lists are accepted.
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Extra scenario directory (adds scenarios, or overrides embedded ones by id). Repeatable.
    #[arg(long)]
    pub scenarios: Vec<PathBuf>,
    /// YAML config file: url, fixtures (official name → your name), headers, timeouts.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Scenarios run at once.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Seconds allowed for one whole exchange.
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
    /// Seconds allowed to connect.
    #[arg(long, value_name = "SECONDS")]
    pub connect_timeout: Option<f64>,
    /// Largest response body read, in bytes.
    #[arg(long, value_name = "BYTES")]
    pub max_body: Option<usize>,
    /// List passing checks too.
    #[arg(long, short)]
    pub verbose: bool,
    /// Colour: auto (TTY and no NO_COLOR), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Get tokens for a protected server: `client-credentials` discovers the authorization
    /// server from the server (RFC 9728, RFC 8414) and asks it for tokens with --client-id and
    /// --client-secret: one for the server (RFC 8707 `resource`), one for another resource, one
    /// with a narrower scope.
    #[arg(long, value_enum, value_name = "METHOD")]
    pub auth: Option<AuthMethod>,
    /// Client id for --auth client-credentials.
    #[arg(long, env = "MCPCHECK_CLIENT_ID", value_name = "ID")]
    pub client_id: Option<String>,
    /// Client secret for --auth client-credentials.
    #[arg(
        long,
        env = "MCPCHECK_CLIENT_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub client_secret: Option<String>,
    /// Scope of the valid token (default: the server's `scopes_supported`).
    #[arg(long, value_name = "SCOPES")]
    pub auth_scope: Option<String>,
    /// Scope of the insufficient-scope token (default: the scope of the server's 401 challenge).
    #[arg(long, value_name = "SCOPES")]
    pub auth_narrow_scope: Option<String>,
    /// Resource (RFC 8707) of the wrong-audience token (default: ORIGIN/mcpcheck-other-resource).
    #[arg(long, value_name = "URI")]
    pub auth_other_resource: Option<String>,
    /// A valid access token for the server: sent as `Authorization: Bearer` on every request.
    #[arg(
        long,
        env = "MCPCHECK_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token: Option<String>,
    /// A token from the server's issuer for another resource (audience test).
    #[arg(
        long,
        env = "MCPCHECK_TOKEN_WRONG_AUDIENCE",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token_wrong_audience: Option<String>,
    /// An expired token from the server's issuer.
    #[arg(
        long,
        env = "MCPCHECK_TOKEN_EXPIRED",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token_expired: Option<String>,
    /// A valid token lacking a scope that the scope-gated fixture tool needs.
    #[arg(
        long,
        env = "MCPCHECK_TOKEN_INSUFFICIENT_SCOPE",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token_insufficient_scope: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthMethod {
    /// OAuth 2.1 client credentials grant against the server's authorization server.
    ClientCredentials,
}

/// The console format of `run`.
#[derive(Debug, Clone, Copy, ValueEnum, Default, PartialEq, Eq)]
pub enum Format {
    #[default]
    Human,
    Compact,
    JsonLines,
}

#[derive(Debug, Clone, Copy, ValueEnum, Default, PartialEq, Eq)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(clap::Args, Debug)]
pub struct ListArgs {
    /// List the requirement catalogue instead of scenarios.
    #[arg(long)]
    pub requirements: bool,
    #[arg(long)]
    pub scenarios: Vec<PathBuf>,
}

/// The `--config` file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub url: Option<String>,
    /// Official fixture name → the server's own tool, prompt or resource name, or
    /// `{tool: NAME, arguments: {...}}` to call a tool of the server's with arguments of its own.
    #[serde(default)]
    pub fixtures: BTreeMap<String, FixtureBinding>,
    /// Headers sent on every request.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub timeout_seconds: Option<f64>,
    #[serde(default)]
    pub connect_timeout_seconds: Option<f64>,
    #[serde(default)]
    pub max_body_bytes: Option<usize>,
    /// Tokens or client credentials for a protected server (flags and environment win).
    #[serde(default)]
    pub auth: Option<ConfigAuth>,
}

/// The `auth:` section of the config file.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigAuth {
    #[serde(default)]
    pub method: Option<AuthMethod>,
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub client_secret: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub narrow_scope: Option<String>,
    #[serde(default)]
    pub other_resource: Option<String>,
    #[serde(default)]
    pub token: Option<String>,
    #[serde(default)]
    pub wrong_audience: Option<String>,
    #[serde(default)]
    pub expired: Option<String>,
    #[serde(default)]
    pub insufficient_scope: Option<String>,
}

/// What an official fixture name is bound to.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum FixtureBinding {
    Name(String),
    Tool(ToolBinding),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolBinding {
    pub tool: String,
    #[serde(default)]
    pub arguments: Option<serde_json::Map<String, serde_json::Value>>,
}

pub fn load_config(path: &std::path::Path) -> Result<ConfigFile, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("error: cannot read config {}: {e}", path.display()))?;
    serde_saphyr::from_str(&text).map_err(|e| {
        let s = e
            .to_string()
            .replace("<input>", &path.display().to_string());
        if s.starts_with("error") {
            s
        } else {
            format!("error: {s}")
        }
    })
}

pub(crate) fn seconds(name: &str, v: f64) -> Result<Duration, String> {
    if v.is_finite() && v > 0.0 && v < 86_400.0 {
        Ok(Duration::from_secs_f64(v))
    } else {
        Err(format!(
            "error: {name} must be a positive number of seconds, got {v}"
        ))
    }
}

pub fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
                && std::env::var("TERM").map_or(true, |t| t != "dumb")
        }
    }
}

pub async fn main_with(cli: Cli) -> i32 {
    match cli.command {
        Command::Run(args) => match run(*args).await {
            Ok(code) => code,
            Err((code, msg)) => {
                eprintln!("{msg}");
                code
            }
        },
        Command::List(args) => list(args),
        Command::Explain { id } => explain(&id),
        Command::Serve(args) => mcpcheck_reference_server::run_cli(*args).await,
        Command::Fuzz(args) => crate::fuzz::command::main(*args).await,
    }
}

fn load_baseline(
    path: &std::path::Path,
) -> Result<Vec<mcpcheck_reports::BaselineEntry>, (i32, String)> {
    crate::baseline::load(path).map_err(|errors| {
        let mut s = String::new();
        for e in &errors {
            s.push_str(&e.to_string());
            s.push_str("\n\n");
        }
        s.push_str(&format!(
            "{} problem(s) in the expected-failures file; nothing was run.",
            errors.len()
        ));
        (EXIT_USAGE, s)
    })
}

fn load_library(dirs: &[PathBuf], catalogue: &Catalogue) -> Result<Library, (i32, String)> {
    Library::load(dirs, catalogue).map_err(|errors| {
        let mut s = String::new();
        for e in &errors {
            s.push_str(&e.to_string());
            s.push_str("\n\n");
        }
        s.push_str(&format!(
            "{} problem(s) in scenario files; nothing was run.",
            errors.len()
        ));
        (EXIT_USAGE, s)
    })
}

/// Runs the scenarios and writes the reports. `Err((exit code, message))` for usage errors and
/// unreachable targets.
pub async fn run(args: RunArgs) -> Result<i32, (i32, String)> {
    let (record, console) = run_to_record(&args).await?;
    print!("{console}");
    write_reports(&args.reports, &record)?;
    // The human and compact reports list stale entries themselves.
    let console_shows_stale = !args.quiet && args.format != Format::JsonLines;
    if let Some(b) = record.baseline.as_ref().filter(|_| !console_shows_stale) {
        for e in &b.stale {
            eprintln!(
                "error: stale baseline entry: {}",
                mcpcheck_reports::baseline::stale_message(&b.file, e)
            );
        }
    }
    Ok(exit_code(&record))
}

/// 0 when some check ran and nothing failed or could not be judged, except what the baseline
/// expects; 1 otherwise (a stale baseline entry fails too). A run in which every check was not
/// applicable certifies nothing: 1.
pub fn exit_code(record: &RunRecord) -> i32 {
    match record.verdict() {
        mcpcheck_reports::Verdict::Pass => EXIT_OK,
        mcpcheck_reports::Verdict::Fail => EXIT_FAILED,
        mcpcheck_reports::Verdict::NothingRan => {
            eprintln!("error: no check could run against this server (all were not applicable)");
            EXIT_FAILED
        }
    }
}

/// The report files to write (flags shared by `run` and `fuzz`).
#[derive(clap::Args, Debug, Default, Clone)]
pub struct ReportPaths {
    /// Write the JSON run record here.
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Write a JUnit XML report here.
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,
    /// Write the HTML certification report here (one self-contained file).
    #[arg(long, value_name = "PATH")]
    pub html: Option<PathBuf>,
    /// Write a Markdown summary here (also appended to $GITHUB_STEP_SUMMARY when that is set).
    #[arg(long, value_name = "PATH")]
    pub markdown: Option<PathBuf>,
    /// Write a SARIF 2.1.0 report here (one result per failing check; rule ids are
    /// requirement ids).
    #[arg(long, value_name = "PATH")]
    pub sarif: Option<PathBuf>,
}

/// Writes every requested report, and the Markdown summary to `$GITHUB_STEP_SUMMARY` when
/// GitHub Actions set it (appended: the file collects a job step's summaries).
pub fn write_reports(paths: &ReportPaths, record: &RunRecord) -> Result<(), (i32, String)> {
    let write = |path: &PathBuf, text: String| {
        std::fs::write(path, text).map_err(|e| {
            (
                EXIT_USAGE,
                format!("error: cannot write {}: {e}", path.display()),
            )
        })
    };
    if let Some(p) = &paths.json {
        write(p, mcpcheck_reports::json(record))?;
    }
    if let Some(p) = &paths.junit {
        write(p, mcpcheck_reports::junit(record))?;
    }
    if let Some(p) = &paths.html {
        write(p, mcpcheck_reports::html(record))?;
    }
    if let Some(p) = &paths.sarif {
        write(p, mcpcheck_reports::sarif(record))?;
    }
    let summary_file = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|v| !v.is_empty());
    if paths.markdown.is_some() || summary_file.is_some() {
        let md = mcpcheck_reports::markdown(record);
        if let Some(p) = &paths.markdown {
            write(p, md.clone())?;
        }
        if let Some(f) = summary_file {
            use std::io::Write as _;
            let path = PathBuf::from(f);
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .and_then(|mut file| file.write_all(md.as_bytes()))
                .map_err(|e| {
                    (
                        EXIT_USAGE,
                        format!(
                            "error: cannot append to $GITHUB_STEP_SUMMARY ({}): {e}",
                            path.display()
                        ),
                    )
                })?;
        }
    }
    Ok(())
}

/// The console text of a run in the chosen format (`--quiet`: the one-line summary only).
pub fn render_console(args: &RunArgs, record: &RunRecord, preamble: &[String]) -> String {
    let color = use_color(args.color);
    if args.quiet {
        return format!("{}\n", record.one_line_summary());
    }
    match args.format {
        Format::Human => {
            let mut console = String::new();
            for line in preamble {
                console.push_str(&format!("authorization: {line}\n"));
            }
            console.push_str(&mcpcheck_reports::console(
                record,
                ConsoleOptions {
                    color,
                    verbose: args.verbose,
                },
            ));
            console
        }
        Format::Compact => mcpcheck_reports::compact(record, color),
        Format::JsonLines => mcpcheck_reports::json_lines(record),
    }
}

/// A progress bar on stderr, only for a person watching: a terminal, not CI, not --quiet.
fn progress_bar(args: &RunArgs, scenarios: usize) -> Option<indicatif::ProgressBar> {
    let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false");
    if args.quiet || ci || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(scenarios as u64);
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr_with_hz(10));
    let template = if use_color(args.color) {
        "{spinner:.cyan} [{bar:30.cyan/blue}] {pos}/{len} scenarios {elapsed} {wide_msg}"
    } else {
        "{spinner} [{bar:30}] {pos}/{len} scenarios {elapsed} {wide_msg}"
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    Some(bar)
}

/// Starts a stdio server (shared by `run` and `fuzz`); a command that cannot start is exit 3.
pub(crate) async fn start_stdio(
    cmd: &str,
    request_timeout: Duration,
    max_line: usize,
) -> Result<crate::engine::StdioTarget, (i32, String)> {
    let config = crate::stdio::StdioConfig {
        request_timeout,
        max_line,
        stderr_keep: 16 * 1024,
    };
    let server = crate::stdio::StdioServer::start(cmd, config.clone())
        .await
        .map_err(|e| {
            (
                EXIT_UNREACHABLE,
                format!("error: cannot start {cmd:?}: {e}"),
            )
        })?;
    Ok(crate::engine::StdioTarget {
        server,
        command: cmd.to_string(),
        config,
    })
}

/// The bundled reference server on an ephemeral loopback port, with the named fault.
pub(crate) async fn start_bundled(
    fault: Option<&str>,
) -> Result<
    (
        mcpcheck_reference_server::Running,
        Option<&'static mcpcheck_reference_server::Fault>,
    ),
    (i32, String),
> {
    let fault = match fault {
        Some(name) => Some(
            mcpcheck_reference_server::fault_by_name(name).ok_or_else(|| {
                (
                    EXIT_USAGE,
                    format!(
                        "error: unknown fault {name:?}; `mcpcheck serve --list-faults` lists them"
                    ),
                )
            })?,
        ),
        None => None,
    };
    let cfg = mcpcheck_reference_server::Config {
        fault,
        ..Default::default()
    };
    let running = mcpcheck_reference_server::spawn(([127, 0, 0, 1], 0).into(), cfg)
        .await
        .map_err(|e| {
            (
                EXIT_UNREACHABLE,
                format!("error: cannot start the bundled server: {e}"),
            )
        })?;
    Ok((running, fault))
}

/// Everything `run` does except printing and writing files.
pub async fn run_to_record(args: &RunArgs) -> Result<(RunRecord, String), (i32, String)> {
    let started = Instant::now();
    let started_at = now_rfc3339();
    let config = match &args.config {
        Some(p) => load_config(p).map_err(|e| (EXIT_USAGE, e))?,
        None => ConfigFile::default(),
    };
    let mut tc = TransportConfig::default();
    if let Some(s) = args.timeout.or(config.timeout_seconds) {
        tc.request_timeout = seconds("--timeout", s).map_err(|e| (EXIT_USAGE, e))?;
    }
    if let Some(s) = args.connect_timeout.or(config.connect_timeout_seconds) {
        tc.connect_timeout = seconds("--connect-timeout", s).map_err(|e| (EXIT_USAGE, e))?;
    }
    if let Some(b) = args.max_body.or(config.max_body_bytes) {
        if b == 0 {
            return Err((EXIT_USAGE, "error: --max-body must be at least 1".into()));
        }
        tc.max_body = b;
    }
    if args.concurrency == 0 {
        return Err((EXIT_USAGE, "error: --concurrency must be at least 1".into()));
    }
    let baseline = match &args.expected_failures {
        Some(p) => Some((p.display().to_string(), load_baseline(p)?)),
        None => None,
    };
    let catalogue = Arc::new(Catalogue::builtin());
    let library = load_library(&args.scenarios, &catalogue)?;
    let selected = library.into_selected(&args.only);
    if selected.is_empty() {
        return Err((
            EXIT_USAGE,
            format!(
                "error: no scenario matches --only {}; see `mcpcheck list`",
                args.only.join(",")
            ),
        ));
    }

    // The target: a stdio command, a URL, or the bundled reference server started here.
    let mut bundled = None;
    let mut bundled_protected: Option<mcpcheck_reference_server::Running> = None;
    let mut more_urls: Vec<String> = Vec::new();
    let mut stdio = None;
    let url = if let Some(cmd) = &args.stdio {
        if args.fault.is_some() {
            return Err((
                EXIT_USAGE,
                "error: --fault applies to the bundled server; for a stdio run pass it to the command, e.g. --stdio 'mcpcheck serve --stdio --fault NAME'".into(),
            ));
        }
        stdio = Some(start_stdio(cmd, tc.request_timeout, tc.max_body).await?);
        format!("stdio:{cmd}")
    } else {
        let urls = if args.url.is_empty() {
            config.url.iter().cloned().collect()
        } else {
            args.url.clone()
        };
        for u in &urls {
            let parsed =
                url::Url::parse(u).map_err(|e| (EXIT_USAGE, format!("error: --url {u:?}: {e}")))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err((
                    EXIT_USAGE,
                    format!("error: --url {u:?}: only http and https are supported"),
                ));
            }
        }
        more_urls = urls.iter().skip(1).cloned().collect();
        match urls.first().cloned() {
            Some(u) => u,
            None => {
                let (running, fault) = start_bundled(args.fault.as_deref()).await?;
                let u = running.url.clone();
                bundled = Some(running);
                // A protected instance as well, for the scenarios that need one.
                let auth_cfg = mcpcheck_reference_server::Config {
                    fault,
                    auth: Some(mcpcheck_reference_server::AuthConfig::default()),
                    ..Default::default()
                };
                let protected =
                    mcpcheck_reference_server::spawn(([127, 0, 0, 1], 0).into(), auth_cfg)
                        .await
                        .map_err(|e| {
                            (
                                EXIT_UNREACHABLE,
                                format!("error: cannot start the bundled protected server: {e}"),
                            )
                        })?;
                bundled_protected = Some(protected);
                u
            }
        }
    };
    let target = match (&bundled, &args.stdio) {
        (_, Some(cmd)) => Target::Stdio {
            command: cmd.clone(),
        },
        (Some(_), None) => Target::Bundled {
            url: url.clone(),
            fault: args.fault.clone(),
        },
        (None, None) if !more_urls.is_empty() => Target::Instances {
            urls: std::iter::once(url.clone())
                .chain(more_urls.iter().cloned())
                .collect(),
        },
        (None, None) => Target::Http { url: url.clone() },
    };
    let transport = Transport::new(tc).map_err(|e| (EXIT_USAGE, format!("error: {e}")))?;
    let mut auth_log = Vec::new();
    let auth = if args.stdio.is_some() || bundled.is_some() {
        crate::auth::AuthTokens::default()
    } else {
        user_tokens(
            args,
            config.auth.as_ref().cloned().unwrap_or_default(),
            &url,
            &mut auth_log,
        )
        .await?
    };
    let progress = progress_bar(args, selected.len());
    let opts = RunOptions {
        progress: progress.clone(),
        url: url.clone(),
        more_urls,
        strict: args.strict,
        concurrency: args.concurrency,
        fixtures: config
            .fixtures
            .iter()
            .map(|(k, b)| {
                let name = match b {
                    FixtureBinding::Name(n) => n.clone(),
                    FixtureBinding::Tool(t) => t.tool.clone(),
                };
                (k.clone(), name)
            })
            .collect(),
        fixture_arguments: config
            .fixtures
            .iter()
            .filter_map(|(k, b)| match b {
                FixtureBinding::Tool(ToolBinding {
                    arguments: Some(a), ..
                }) => Some((k.clone(), a.clone())),
                _ => None,
            })
            .collect(),
        extra_headers: config.headers.clone().into_iter().collect(),
        client_name: "mcpcheck".into(),
        client_version: env!("CARGO_PKG_VERSION").into(),
        auth,
    };
    // The bundled run sends the scenarios that need a protected server to the protected
    // instance, with tokens from its own authorization server (client credentials, as any
    // client would get them) and an expired one minted by that server's issuer.
    let mut auth_runner = None;
    if let Some(p) = &bundled_protected {
        let cc = crate::auth::ClientCredentials {
            client_id: mcpcheck_reference_server::DEFAULT_CLIENT_ID.into(),
            client_secret: mcpcheck_reference_server::DEFAULT_CLIENT_SECRET.into(),
            ..Default::default()
        };
        let mut tokens = crate::auth::client_credentials(&p.url, &cc).await;
        if let Some(issuer) = &p.issuer {
            let scope = format!(
                "{} {}",
                mcpcheck_reference_server::SCOPE_BASE,
                mcpcheck_reference_server::SCOPE_ADMIN
            );
            tokens
                .tokens
                .insert("expired".into(), issuer.mint(&p.url, &scope, -600));
            // When discovery is what a fault broke (the AUTH checks report it), the other
            // scenarios still get tokens: the bundled issuer mints them as its token endpoint
            // would.
            let other = format!(
                "{}/mcpcheck-other-resource",
                crate::auth::origin_of(&url::Url::parse(&p.url).expect("the bundled URL parses"))
            );
            let fallback = [
                ("valid", p.url.as_str(), scope.as_str()),
                ("wrong_audience", other.as_str(), scope.as_str()),
                (
                    "insufficient_scope",
                    p.url.as_str(),
                    mcpcheck_reference_server::SCOPE_BASE,
                ),
            ];
            for (kind, aud, sc) in fallback {
                if !tokens.tokens.contains_key(kind) {
                    let why = tokens.missing.remove(kind).unwrap_or_default();
                    tokens.log.push(format!(
                        "no {kind} token by client credentials ({why}); minted by the bundled issuer"
                    ));
                    tokens.tokens.insert(kind.into(), issuer.mint(aud, sc, 300));
                }
            }
        }
        tokens.derive(&p.url);
        auth_log.push(format!("protected instance {}", p.url));
        auth_log.append(&mut tokens.log);
        let mut o = opts.clone();
        o.url = p.url.clone();
        o.auth = tokens;
        let t = transport.clone();
        auth_runner = Some(
            Runner::new(o, t, Arc::clone(&catalogue))
                .await
                .map_err(|e| {
                    (
                        EXIT_UNREACHABLE,
                        format!(
                            "error: the bundled protected server could not be reached: {}",
                            e.0
                        ),
                    )
                })?,
        );
    }
    let runner = Runner::with_stdio(opts, transport, stdio, Arc::clone(&catalogue))
        .await
        .map_err(|e| {
            (
                EXIT_UNREACHABLE,
                format!("error: the target could not be reached: {}", e.0),
            )
        })?;
    let server = runner.profile.server_identity();
    let runner = Arc::new(runner);
    let auth_runner = auth_runner.map(Arc::new);
    // With a protected instance beside the bundled server, the scenarios that need a protected
    // server run there; the record keeps the scenarios' order.
    let needs_protection = |s: &crate::scenario::Scenario| {
        s.requires
            .iter()
            .any(|r| r.value == crate::scenario::Requirement::Protected(true))
    };
    let (main_set, auth_set): (Vec<_>, Vec<_>) = selected
        .into_iter()
        .enumerate()
        .partition(|(_, s)| auth_runner.is_none() || !needs_protection(s));
    let run_both = async {
        let (main_at, main): (Vec<usize>, Vec<_>) = main_set.into_iter().unzip();
        let (prot_at, prot): (Vec<usize>, Vec<_>) = auth_set.into_iter().unzip();
        let (a, b) = tokio::join!(runner.run_all(&main), async {
            match &auth_runner {
                Some(r) => r.run_all(&prot).await,
                None => Vec::new(),
            }
        });
        let mut all: Vec<(usize, _)> = main_at
            .into_iter()
            .zip(a)
            .chain(prot_at.into_iter().zip(b))
            .collect();
        all.sort_by_key(|(i, _)| *i);
        all.into_iter().map(|(_, r)| r).collect::<Vec<_>>()
    };
    // Ctrl-C stops the run; the stdio child (if any) is still killed and reaped below.
    let results = tokio::select! {
        r = run_both => Some(r),
        _ = tokio::signal::ctrl_c() => None,
    };
    if let Some(b) = bundled {
        b.handle.abort();
    }
    if let Some(b) = bundled_protected {
        b.handle.abort();
    }
    if let Some(t) = &runner.stdio {
        t.server.shutdown().await;
    }
    if let Some(p) = &progress {
        p.finish_and_clear();
    }
    let Some(results) = results else {
        return Err((130, "interrupted".into()));
    };
    let mut scenarios = Vec::new();
    let mut checks = Vec::new();
    for (s, c) in results {
        scenarios.push(s);
        checks.extend(c);
    }
    let summary = Summary::from_checks(&checks);
    let mut record = RunRecord {
        version: mcpcheck_reports::RECORD_VERSION,
        tool: ToolInfo {
            name: "mcpcheck".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        revision: catalogue.revision.clone(),
        target,
        server,
        started_at,
        duration_ms: started.elapsed().as_millis() as u64,
        strict: args.strict,
        summary,
        scenarios,
        checks,
        fuzz: None,
        requirements: catalogue.record_info(),
        baseline: None,
    };
    if let Some((file, entries)) = &baseline {
        mcpcheck_reports::apply_baseline(&mut record, file, entries);
    }
    let console = render_console(args, &record, &auth_log);
    Ok((record, console))
}

/// The tokens for a run against `url`: given by flags, environment or config file, and/or
/// obtained with client credentials; then the ones mcpcheck derives itself.
async fn user_tokens(
    args: &RunArgs,
    cfg: ConfigAuth,
    url: &str,
    log: &mut Vec<String>,
) -> Result<crate::auth::AuthTokens, (i32, String)> {
    let method = args.auth.or(cfg.method);
    let mut tokens = match method {
        Some(AuthMethod::ClientCredentials) => {
            let id = args.client_id.clone().or(cfg.client_id.clone());
            let secret = args.client_secret.clone().or(cfg.client_secret.clone());
            let (Some(client_id), Some(client_secret)) = (id, secret) else {
                return Err((
                    EXIT_USAGE,
                    "error: --auth client-credentials needs --client-id and --client-secret (or MCPCHECK_CLIENT_ID and MCPCHECK_CLIENT_SECRET, or `auth: {client_id, client_secret}` in the config file)".into(),
                ));
            };
            let cc = crate::auth::ClientCredentials {
                client_id,
                client_secret,
                scope: args.auth_scope.clone().or(cfg.scope.clone()),
                narrow_scope: args.auth_narrow_scope.clone().or(cfg.narrow_scope.clone()),
                other_resource: args
                    .auth_other_resource
                    .clone()
                    .or(cfg.other_resource.clone()),
            };
            let t = crate::auth::client_credentials(url, &cc).await;
            log.extend(t.log.iter().cloned());
            for (k, why) in &t.missing {
                log.push(format!("no {} token: {why}", k.replace('_', "-")));
            }
            t
        }
        None => crate::auth::AuthTokens::default(),
    };
    let given = [
        ("valid", args.token.clone().or(cfg.token)),
        (
            "wrong_audience",
            args.token_wrong_audience.clone().or(cfg.wrong_audience),
        ),
        ("expired", args.token_expired.clone().or(cfg.expired)),
        (
            "insufficient_scope",
            args.token_insufficient_scope
                .clone()
                .or(cfg.insufficient_scope),
        ),
    ];
    for (kind, t) in given {
        if let Some(t) = t {
            let t = t.trim().to_string();
            if t.is_empty() || t.contains(char::is_whitespace) {
                return Err((
                    EXIT_USAGE,
                    format!(
                        "error: the {} token is empty or contains whitespace",
                        kind.replace('_', "-")
                    ),
                ));
            }
            tokens.missing.remove(kind);
            tokens.tokens.insert(kind.to_string(), t);
            tokens.asserted = true;
        }
    }
    // A wrong-issuer token needs nothing but the server's URL; only protected servers use it.
    tokens.derive(url);
    Ok(tokens)
}

fn list(args: ListArgs) -> i32 {
    let catalogue = Catalogue::builtin();
    if args.requirements {
        let library = Library::load(&args.scenarios, &catalogue).ok();
        for r in catalogue.iter() {
            let n = library.as_ref().map_or(0, |l| {
                l.scenarios
                    .iter()
                    .flat_map(|s| s.steps.iter().flat_map(|st| st.expect.iter()))
                    .filter(|e| e.value.req == r.id)
                    .count()
            });
            println!(
                "{:<13} {:<28} {:>3} check(s)  {}",
                r.id, r.level, n, r.title
            );
        }
        println!("{} requirements", catalogue.len());
        return EXIT_OK;
    }
    let library = match load_library(&args.scenarios, &catalogue) {
        Ok(l) => l,
        Err((code, msg)) => {
            eprintln!("{msg}");
            return code;
        }
    };
    for s in &library.scenarios {
        let mut reqs: Vec<&str> = s
            .steps
            .iter()
            .flat_map(|st| st.expect.iter().map(|e| e.value.req.as_str()))
            .collect();
        reqs.sort();
        reqs.dedup();
        println!("{:<40} {:<12} {}", s.id.value, s.area, s.title);
        println!("{:<40} {:<12} {}", "", "", reqs.join(", "));
    }
    println!("{} scenarios", library.scenarios.len());
    EXIT_OK
}

fn explain(id: &str) -> i32 {
    let catalogue = Catalogue::builtin();
    let library = match load_library(&[], &catalogue) {
        Ok(l) => l,
        Err((code, msg)) => {
            eprintln!("{msg}");
            return code;
        }
    };
    let upper = id.to_ascii_uppercase();
    if let Some(r) = catalogue.get(&upper) {
        println!("{} · {} — {}", r.id, r.level, r.title);
        println!("rule:   {}", r.rule);
        println!("source: {}", r.source);
        if !r.qualifiers.is_empty() {
            println!("notes:  {}", r.qualifiers.join(", "));
        }
        let mut found = false;
        for s in &library.scenarios {
            for st in &s.steps {
                for e in &st.expect {
                    if e.value.req == r.id {
                        if !found {
                            println!("checked by:");
                            found = true;
                        }
                        println!(
                            "  {}:{}",
                            s.id.value,
                            crate::scenario::check_id(&st.name.value, &e.value)
                        );
                    }
                }
            }
        }
        if !found {
            println!("checked by: no scenario yet");
        }
        return EXIT_OK;
    }
    if let Some(s) = library.scenarios.iter().find(|s| s.id.value == id) {
        println!("{} — {} ({})", s.id.value, s.title, s.area);
        println!("source: {}", s.source);
        if let Some(d) = &s.description {
            println!("{}", d.trim());
        }
        for r in &s.requires {
            println!("requires: {}", r.value.describe());
        }
        for st in &s.steps {
            println!("step {:?}", st.name.value);
            for e in &st.expect {
                let req = catalogue.get(&e.value.req);
                println!(
                    "  {} [{}] {}",
                    crate::scenario::check_id(&st.name.value, &e.value),
                    e.value.req,
                    req.map(|r| r.rule.as_str()).unwrap_or("")
                );
            }
        }
        return EXIT_OK;
    }
    let hint = crate::scenario::did_you_mean(
        &upper,
        catalogue
            .ids()
            .chain(library.scenarios.iter().map(|s| s.id.value.as_str())),
    )
    .map(|s| format!("; did you mean `{s}`?"))
    .unwrap_or_default();
    eprintln!("error: {id:?} is neither a requirement id nor a scenario id{hint}");
    EXIT_USAGE
}

/// Current UTC time as RFC 3339, without a date library.
pub(crate) fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}
