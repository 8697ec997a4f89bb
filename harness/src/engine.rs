//! Runs scenarios against a target and produces check records.
//!
//! Before any scenario, one probe reads what the server declares (`server/discover` and the
//! lists it advertises); applicability is decided from that alone, so a server that does not
//! offer a feature is never failed for it. Independent scenarios run concurrently; results keep
//! the scenarios' order.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use futures_util::StreamExt as _;
use mcpcheck_reports::{
    CheckRecord, Exchange, HttpRequestRecord, HttpResponseRecord, Level, ScenarioRecord, Status,
};
use serde_json::{Map, Value, json};

use crate::catalogue::Catalogue;
use crate::checks::{self, Ctx, Judgement};
use crate::scenario::{
    ConnectionMode, DEFAULT_LISTEN_MS, Expectation, ListenSpec, PagesSpec, PaginateSpec,
    PollSelector, PollSpec, RawSpec, RequestSpec, Requirement, RespondSpec, Scenario, Step,
    check_id,
};
use crate::transport::{HttpOutcome, HttpRequest, StreamTap, Transport};
use crate::util::{clip, shell_quote};
use crate::wire::{Wire, encode_header_value, param_header_value, x_mcp_headers};
use mcpcheck_schemas::wire::TaskStatus;

pub const REVISION: &str = mcpcheck_schemas::REVISION;

/// Variables every scenario can use.
pub const BUILTIN_VARS: &[&str] = &[
    "url",
    "revision",
    "request_state",
    // Authorization: the target's origin, its RFC 9728 metadata URLs, and the tokens.
    "origin",
    "prm_url",
    "prm_root_url",
    "prm_discovered",
    "as_issuer",
    "as_metadata_url",
    "token_valid",
    "token_wrong_audience",
    "token_expired",
    "token_insufficient_scope",
    "token_wrong_issuer",
    "token_bad_signature",
];

/// What a lookup of a variable without a value says; a step that fails to build for this
/// reason is not applicable (see `step_error`), any other build failure is an error.
const NO_VALUE: &str = " has no value: ";

/// Recorded response bodies are cut to this many characters.
const RECORD_BODY_LIMIT: usize = 8 * 1024;

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub url: String,
    /// More instances of the same server (`--url` given several times): each scenario's
    /// requests go to `url` and these in turn.
    pub more_urls: Vec<String>,
    pub strict: bool,
    pub concurrency: usize,
    /// Official fixture name → the server's own name.
    pub fixtures: BTreeMap<String, String>,
    /// Official tool fixture name → the arguments to call the bound tool with instead.
    pub fixture_arguments: BTreeMap<String, Map<String, Value>>,
    /// Headers added to every request (e.g. authorization), before scenario overrides.
    pub extra_headers: Vec<(String, String)>,
    pub client_name: String,
    pub client_version: String,
    /// Tokens for protected servers; a `valid` one goes on every request as
    /// `Authorization: Bearer`.
    pub auth: crate::auth::AuthTokens,
    /// Advanced once per finished scenario (a terminal progress bar; hidden otherwise).
    pub progress: Option<indicatif::ProgressBar>,
}

impl RunOptions {
    /// Every instance: `url` first.
    pub fn urls(&self) -> Vec<&str> {
        std::iter::once(self.url.as_str())
            .chain(self.more_urls.iter().map(|s| s.as_str()))
            .collect()
    }

    /// Defaults for a run against `url`.
    pub fn new(url: impl Into<String>) -> RunOptions {
        RunOptions {
            url: url.into(),
            more_urls: Vec::new(),
            strict: false,
            concurrency: 8,
            fixtures: BTreeMap::new(),
            fixture_arguments: BTreeMap::new(),
            extra_headers: Vec::new(),
            client_name: "mcpcheck".into(),
            client_version: env!("CARGO_PKG_VERSION").into(),
            auth: crate::auth::AuthTokens::default(),
            progress: None,
        }
    }
}

/// What the server declared, read once before the scenarios.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    pub discover: Option<Value>,
    /// Why `server/discover` did not yield a result.
    pub discover_problem: Option<String>,
    pub tools: Listing,
    pub prompts: Listing,
    pub resources: Listing,
    pub templates: Listing,
    /// HTTP status of `server/discover` sent without credentials (HTTP targets only).
    pub unauthenticated_status: Option<u16>,
    /// Its Bearer challenge, if any.
    pub challenge: Option<crate::auth::Challenge>,
    /// Where the metadata documents of a protected server are (see `auth::discover_urls`).
    pub auth_urls: crate::auth::DiscoveredUrls,
}

#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub items: Option<Vec<Value>>,
    pub problem: Option<String>,
}

impl Profile {
    pub fn capabilities(&self) -> Option<&Value> {
        self.discover.as_ref().and_then(|d| d.get("capabilities"))
    }

    pub fn has_capability(&self, path: &str) -> Option<bool> {
        let mut v = self.capabilities()?;
        for part in path.split('.') {
            match v.get(part) {
                Some(x) => v = x,
                None => return Some(false),
            }
        }
        Some(!v.is_null() && v != &Value::Bool(false))
    }

    pub fn server_identity(&self) -> Option<mcpcheck_reports::ServerIdentity> {
        let info = self
            .discover
            .as_ref()?
            .get("_meta")?
            .get("io.modelcontextprotocol/serverInfo")?;
        Some(mcpcheck_reports::ServerIdentity {
            name: info.get("name")?.as_str()?.to_string(),
            version: info.get("version")?.as_str()?.to_string(),
            title: info.get("title").and_then(|t| t.as_str()).map(String::from),
        })
    }

    pub fn tool(&self, name: &str) -> Option<&Value> {
        self.tools
            .items
            .as_ref()?
            .iter()
            .find(|t| t.get("name").and_then(|n| n.as_str()) == Some(name))
    }
}

/// State shared by all scenarios of a run.
pub struct Runner {
    pub opts: RunOptions,
    pub transport: Transport,
    /// The child process when the target speaks stdio (every exchange then goes through it).
    pub stdio: Option<StdioTarget>,
    pub catalogue: Arc<Catalogue>,
    pub profile: Profile,
}

/// Why a run could not start.
#[derive(Debug)]
pub struct Unreachable(pub String);

impl Runner {
    /// Builds the runner and probes the server. Fails only when the target cannot be reached.
    pub async fn new(
        opts: RunOptions,
        transport: Transport,
        catalogue: Arc<Catalogue>,
    ) -> Result<Runner, Unreachable> {
        Runner::with_stdio(opts, transport, None, catalogue).await
    }

    /// As `new`, for a target reached over stdio when `stdio` is given.
    pub async fn with_stdio(
        opts: RunOptions,
        transport: Transport,
        stdio: Option<StdioTarget>,
        catalogue: Arc<Catalogue>,
    ) -> Result<Runner, Unreachable> {
        let mut runner = Runner {
            opts,
            transport,
            stdio,
            catalogue,
            profile: Profile::default(),
        };
        runner.profile = runner.probe().await?;
        Ok(runner)
    }

    fn map_fixture<'a>(&'a self, name: &'a str) -> &'a str {
        self.opts
            .fixtures
            .get(name)
            .map(|s| s.as_str())
            .unwrap_or(name)
    }

    fn baseline_meta(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert(
            "io.modelcontextprotocol/protocolVersion".into(),
            json!(REVISION),
        );
        m.insert(
            "io.modelcontextprotocol/clientCapabilities".into(),
            json!({}),
        );
        m.insert(
            "io.modelcontextprotocol/clientInfo".into(),
            json!({"name": self.opts.client_name, "version": self.opts.client_version}),
        );
        m
    }

    /// The baseline headers for a request of `method` with `params` (digest §1.1).
    pub fn baseline_headers(&self, method: &str, params: Option<&Value>) -> Vec<(String, String)> {
        let mut h = vec![
            ("Content-Type".to_string(), "application/json".to_string()),
            (
                "Accept".to_string(),
                "application/json, text/event-stream".to_string(),
            ),
            ("MCP-Protocol-Version".to_string(), REVISION.to_string()),
            ("Mcp-Method".to_string(), method.to_string()),
        ];
        let name_field = match method {
            "tools/call" | "prompts/get" => Some("name"),
            "resources/read" => Some("uri"),
            "tasks/get" | "tasks/update" | "tasks/cancel" => Some("taskId"),
            _ => None,
        };
        if let Some(f) = name_field
            && let Some(v) = params.and_then(|p| p.get(f)).and_then(|v| v.as_str())
        {
            h.push(("Mcp-Name".to_string(), encode_header_value(v)));
        }
        if method == "tools/call" {
            let tool = params.and_then(|p| p.get("name")).and_then(|n| n.as_str());
            let args = params.and_then(|p| p.get("arguments"));
            if let (Some(tool), Some(args)) = (tool.and_then(|t| self.profile.tool(t)), args)
                && let Some(schema) = tool.get("inputSchema")
            {
                for (header, path) in x_mcp_headers(schema) {
                    let mut v = args;
                    let mut found = true;
                    for p in &path {
                        match v.get(p) {
                            Some(x) => v = x,
                            None => {
                                found = false;
                                break;
                            }
                        }
                    }
                    if let (true, Some(hv)) = (found, param_header_value(v)) {
                        h.push((format!("Mcp-Param-{header}"), hv));
                    }
                }
            }
        }
        for (k, v) in &self.opts.extra_headers {
            set_header(&mut h, k, Some(v.clone()));
        }
        self.add_authorization(&mut h);
        h
    }

    /// `Authorization: Bearer <valid token>` when the run has one and no header set it.
    fn add_authorization(&self, h: &mut Vec<(String, String)>) {
        if let Some(t) = self.opts.auth.get("valid")
            && !h
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        {
            h.push(("Authorization".to_string(), format!("Bearer {t}")));
        }
    }

    /// Whether the server is a protected resource: the user said so (tokens, client
    /// credentials), or it answered an unauthenticated request with 401.
    pub fn protected(&self) -> bool {
        self.opts.auth.asserted || self.profile.unauthenticated_status == Some(401)
    }

    /// A baseline request of `method` with `params` (baseline `_meta` and headers).
    pub fn rpc(&self, id: u64, method: &str, params: Value) -> HttpRequest {
        let mut p = params;
        if let Value::Object(o) = &mut p {
            o.insert("_meta".into(), Value::Object(self.baseline_meta()));
        }
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": p});
        let mut req = HttpRequest::new(
            "POST",
            &self.opts.url,
            self.baseline_headers(method, Some(&body["params"])),
            serde_json::to_vec(&body).expect("serialises"),
        );
        req.expect_id = Some(json!(id));
        req
    }

    async fn probe(&self) -> Result<Profile, Unreachable> {
        let mut profile = Profile::default();
        let mut out = None;
        if self.stdio.is_none() {
            // Without credentials first: tells whether the server is protected.
            let mut req = self.rpc(0, "server/discover", json!({}));
            req.headers
                .retain(|(k, _)| !k.eq_ignore_ascii_case("authorization"));
            let o = self.send_default(req).await;
            if let Some(crate::transport::TransportError::Connect(e)) = &o.error {
                return Err(Unreachable(format!("{}: {e}", self.opts.url)));
            }
            if let Some(r) = &o.response {
                profile.unauthenticated_status = Some(r.status);
                profile.challenge = crate::auth::bearer_challenge(&r.headers);
            }
            if self.opts.auth.get("valid").is_none() {
                out = Some(o);
            }
            if self.opts.auth.asserted || profile.unauthenticated_status == Some(401) {
                profile.auth_urls =
                    crate::auth::discover_urls(&self.opts.url, profile.challenge.as_ref()).await;
            }
        }
        let out = match out {
            Some(o) => o,
            None => {
                self.send_default(self.rpc(0, "server/discover", json!({})))
                    .await
            }
        };
        if let Some(crate::transport::TransportError::Connect(e)) = &out.error {
            return Err(Unreachable(format!("{}: {e}", self.opts.url)));
        }
        let wire = Wire::from_outcome(&out);
        match wire.final_json().and_then(|v| v.get("result")) {
            Some(r) if r.is_object() => profile.discover = Some(r.clone()),
            _ => {
                profile.discover_problem = Some(format!(
                    "server/discover gave no result: {}",
                    crate::wire::describe_final(&out, &wire)
                ))
            }
        }
        // Lists are read only when the matching capability is declared.
        let lists: [(&str, &str, &str); 4] = [
            ("tools", "tools/list", "tools"),
            ("prompts", "prompts/list", "prompts"),
            ("resources", "resources/list", "resources"),
            ("resources", "resources/templates/list", "resourceTemplates"),
        ];
        for (i, (cap, method, field)) in lists.iter().enumerate() {
            let listing = match profile.has_capability(cap) {
                Some(true) => self.list_all(method, field).await,
                Some(false) => Listing {
                    items: None,
                    problem: Some(format!(
                        "the server does not declare the `{cap}` capability"
                    )),
                },
                None => Listing {
                    items: None,
                    problem: profile.discover_problem.clone(),
                },
            };
            match i {
                0 => profile.tools = listing,
                1 => profile.prompts = listing,
                2 => profile.resources = listing,
                _ => profile.templates = listing,
            }
        }
        Ok(profile)
    }

    /// Walks every page of a list (bounded).
    async fn list_all(&self, method: &str, field: &str) -> Listing {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        for page in 0..50u64 {
            let params = match &cursor {
                Some(c) => json!({"cursor": c}),
                None => json!({}),
            };
            let out = self.send_default(self.rpc(page + 1, method, params)).await;
            let wire = Wire::from_outcome(&out);
            let Some(result) = wire.final_json().and_then(|v| v.get("result")) else {
                return Listing {
                    items: None,
                    problem: Some(format!(
                        "{method} failed: {}",
                        crate::wire::describe_final(&out, &wire)
                    )),
                };
            };
            if let Some(a) = result.get(field).and_then(|a| a.as_array()) {
                items.extend(a.iter().cloned());
            }
            match result.get("nextCursor").and_then(|c| c.as_str()) {
                Some(c) if Some(c) != cursor.as_deref() => cursor = Some(c.to_string()),
                _ => break,
            }
        }
        Listing {
            items: Some(items),
            problem: None,
        }
    }

    /// Why `req` does not hold for this server, or `None` when it does.
    pub fn unmet(&self, req: &Requirement) -> Option<String> {
        let p = &self.profile;
        let cap_problem = || {
            p.discover_problem
                .clone()
                .unwrap_or_else(|| "server/discover gave no capabilities".into())
        };
        match req {
            Requirement::Capability(c) => match p.has_capability(c) {
                Some(true) => None,
                Some(false) => Some(format!("the server does not declare the `{c}` capability")),
                None => Some(cap_problem()),
            },
            Requirement::NoCapability(c) => match p.has_capability(c) {
                Some(false) => None,
                Some(true) => Some(format!("the server declares the `{c}` capability")),
                None => Some(cap_problem()),
            },
            Requirement::AnyCapability(list) => {
                let mut unknown = false;
                for c in list {
                    match p.has_capability(c) {
                        Some(true) => return None,
                        Some(false) => {}
                        None => unknown = true,
                    }
                }
                Some(if unknown {
                    cap_problem()
                } else {
                    format!(
                        "the server declares none of the capabilities `{}`",
                        list.join("`, `")
                    )
                })
            }
            Requirement::Extension(e) => match p.capabilities() {
                Some(c) if c.get("extensions").and_then(|x| x.get(e)).is_some() => None,
                Some(_) => Some(format!("the server does not declare the extension `{e}`")),
                None => Some(cap_problem()),
            },
            Requirement::Transport(t) => {
                let ours = if self.stdio.is_some() {
                    "stdio"
                } else {
                    "http"
                };
                (t != ours)
                    .then(|| format!("the scenario is for {t} servers; this target speaks {ours}"))
            }
            Requirement::Instances(n) => {
                let have = if self.stdio.is_some() {
                    1
                } else {
                    self.opts.urls().len()
                };
                (have < *n).then(|| {
                    format!(
                        "the scenario needs {n} instances of the server (give --url {n} times); this run has {have}"
                    )
                })
            }
            Requirement::Protected(want) => {
                let have = self.protected();
                (have != *want).then(|| {
                    if have {
                        "the server is protected (it asks for a token)".to_string()
                    } else {
                        match p.unauthenticated_status {
                            Some(s) => format!(
                                "the server is not protected: server/discover without a token was answered with HTTP {s} (give --token or --auth client-credentials to test it as a protected resource)"
                            ),
                            None => "authorization applies to HTTP servers only".to_string(),
                        }
                    }
                })
            }
            Requirement::Token(k) => self
                .opts
                .auth
                .get(k)
                .is_none()
                .then(|| self.opts.auth.why_missing(k)),
            Requirement::Tool(t) => find_in(&p.tools, "name", self.map_fixture(t), "tool"),
            Requirement::Prompt(n) => find_in(&p.prompts, "name", self.map_fixture(n), "prompt"),
            Requirement::Resource(u) => {
                find_in(&p.resources, "uri", self.map_fixture(u), "resource")
            }
            Requirement::ResourceTemplate(u) => find_in(
                &p.templates,
                "uriTemplate",
                self.map_fixture(u),
                "resource template",
            ),
        }
    }

    /// Runs the scenarios (concurrently, bounded) and returns their records in input order.
    pub async fn run_all(
        self: &Arc<Self>,
        scenarios: &[Scenario],
    ) -> Vec<(ScenarioRecord, Vec<CheckRecord>)> {
        // One stdio child serves one exchange at a time: notifications are attributed to the
        // request in flight.
        let n = if self.stdio.is_some() {
            1
        } else {
            self.opts.concurrency.max(1)
        };
        // Unordered, so a scenario that waits (a listen window, a slow tool) does not hold back
        // the ones behind it, and the longest waits start first; the results are put back in
        // the scenarios' order.
        let mut order: Vec<(usize, &Scenario)> = scenarios.iter().enumerate().collect();
        order.sort_by_key(|(i, s)| (std::cmp::Reverse(s.wait_rank()), *i));
        let mut results: Vec<(usize, (ScenarioRecord, Vec<CheckRecord>))> =
            futures_util::stream::iter(order)
                .map(|(i, s)| {
                    let me = Arc::clone(self);
                    async move {
                        let r = me.run_scenario(s).await;
                        if let Some(p) = &me.opts.progress {
                            p.inc(1);
                            p.set_message(s.id.value.clone());
                        }
                        (i, r)
                    }
                })
                .buffer_unordered(n)
                .collect()
                .await;
        results.sort_by_key(|(i, _)| *i);
        results.into_iter().map(|(_, r)| r).collect()
    }

    pub async fn run_scenario(&self, sc: &Scenario) -> (ScenarioRecord, Vec<CheckRecord>) {
        let start = Instant::now();
        let unmet: Vec<String> = sc
            .requires
            .iter()
            .filter_map(|r| self.unmet(&r.value))
            .collect();
        let mut checks = Vec::new();
        let mut reason = None;
        let mut gated = false;
        if !unmet.is_empty() {
            let why = format!("not applicable: {}", unmet.join("; "));
            for step in &sc.steps {
                for e in &step.expect {
                    checks.push(self.record(
                        sc,
                        step,
                        &e.value,
                        Status::NotApplicable,
                        why.clone(),
                        None,
                        None,
                        None,
                    ));
                }
            }
            reason = Some(why);
        } else {
            let mut ctx = ScenarioState::new(sc, self);
            // Notifications reach a listen stream only from its own instance, and a cut stream
            // cancels only there: such scenarios stay on one instance.
            let n = self.opts.urls().len();
            if n > 1
                && sc.steps.iter().any(|s| {
                    s.listen.is_some()
                        || s.request
                            .as_ref()
                            .is_some_and(|r| r.disconnect_after.is_some())
                })
            {
                let h = sc.id.value.bytes().map(usize::from).sum::<usize>();
                ctx.pinned = Some(h % n);
            }
            let mut halted: Option<String> = None;
            for step in &sc.steps {
                if let Some(why) = &halted {
                    for e in &step.expect {
                        checks.push(self.record(
                            sc,
                            step,
                            &e.value,
                            Status::NotApplicable,
                            why.clone(),
                            None,
                            None,
                            None,
                        ));
                    }
                    continue;
                }
                let before = checks.len();
                self.run_step(sc, step, &mut ctx, &mut checks).await;
                let gates: Vec<String> = step
                    .expect
                    .iter()
                    .filter(|e| e.value.precondition)
                    .map(|e| check_id(&step.name.value, &e.value))
                    .collect();
                let failed_gate = checks[before..]
                    .iter()
                    .find(|r| {
                        gates.contains(&r.id) && matches!(r.status, Status::Fail | Status::Warn)
                    })
                    .map(|r| {
                        format!(
                            "not applicable: precondition {:?} does not hold: {}",
                            r.id,
                            r.actual.clone().unwrap_or_else(|| r.message.clone())
                        )
                    });
                if let Some(why) = failed_gate {
                    // The step's own checks assumed the gate; the automatic schema check of
                    // what did arrive still stands.
                    let explicit: Vec<String> = step
                        .expect
                        .iter()
                        .map(|e| check_id(&step.name.value, &e.value))
                        .collect();
                    for rec in &mut checks[before..] {
                        if explicit.contains(&rec.id) {
                            rec.status = Status::NotApplicable;
                            rec.message = why.clone();
                            rec.exchange = None;
                            rec.curl = None;
                        }
                    }
                    halted = Some(why);
                }
            }
            // A scenario stopped by its precondition is not applicable unless something that
            // was judged went wrong (a passing schema check alone is no verdict on it).
            if halted.is_some() && worst(&checks) == Status::Pass {
                gated = true;
                reason = halted;
            }
            // Streams never awaited are closed with the scenario.
            for (_, run) in std::mem::take(&mut ctx.listens) {
                if let Some(t) = run.task {
                    t.abort();
                }
            }
        }
        let status = if gated {
            Status::NotApplicable
        } else {
            worst(&checks)
        };
        if reason.is_none() && status == Status::Error {
            reason = checks
                .iter()
                .find(|c| c.status == Status::Error)
                .map(|c| c.message.clone());
        }
        let record = ScenarioRecord {
            id: sc.id.value.clone(),
            title: sc.title.clone(),
            area: sc.area.clone(),
            status,
            reason,
            source: sc.source.clone(),
            duration_ms: start.elapsed().as_millis() as u64,
        };
        (record, checks)
    }

    /// Sends `req` on the connection the step asks for.
    /// Sends on the run's default channel: the shared HTTP pool, or the stdio child.
    /// Sends one request to the target (over stdio when the target speaks stdio).
    pub async fn send_default(&self, req: HttpRequest) -> HttpOutcome {
        match &self.stdio {
            Some(t) => t.send(req, self.transport.config().request_timeout).await,
            None => self.transport.send(req).await,
        }
    }

    async fn send_on(
        &self,
        req: HttpRequest,
        mode: ConnectionMode,
        st: &mut ScenarioState,
    ) -> HttpOutcome {
        if let Some(t) = &self.stdio {
            return t.send(req, self.transport.config().request_timeout).await;
        }
        match mode {
            ConnectionMode::Shared => self.transport.send(req).await,
            ConnectionMode::New => match self.transport.fresh() {
                Ok(c) => self.transport.send_with(&c, req).await,
                Err(e) => error_outcome(req, e),
            },
            ConnectionMode::Scenario => {
                if st.client.is_none() {
                    st.client = self.transport.dedicated().ok();
                }
                match &st.client {
                    Some(c) => self.transport.send_with(c, req).await,
                    None => self.transport.send(req).await,
                }
            }
        }
    }

    fn step_error(&self, sc: &Scenario, step: &Step, why: String, out: &mut Vec<CheckRecord>) {
        // A variable without a value (a capture an earlier step could not make, a token the
        // run does not have) leaves nothing to judge; the earlier step's checks or the token's
        // absence already say why.
        let status = if why.contains(NO_VALUE) {
            Status::NotApplicable
        } else {
            Status::Error
        };
        for e in &step.expect {
            out.push(self.record(sc, step, &e.value, status, why.clone(), None, None, None));
        }
    }

    async fn run_step(
        &self,
        sc: &Scenario,
        step: &Step,
        st: &mut ScenarioState,
        out: &mut Vec<CheckRecord>,
    ) {
        if let Some(why) = self.step_not_applicable(step) {
            for e in &step.expect {
                out.push(self.record(
                    sc,
                    step,
                    &e.value,
                    Status::NotApplicable,
                    why.clone(),
                    None,
                    None,
                    None,
                ));
            }
            return;
        }
        if let Some(eof) = &step.eof {
            let outcome = match &self.stdio {
                Some(t) => {
                    t.eof_probe(
                        &self.rpc(1, "server/discover", json!({})),
                        eof.timeout_ms.unwrap_or(2000),
                    )
                    .await
                }
                None => return,
            };
            let ex = Exchanged::new(
                outcome,
                Some("server/discover".into()),
                Some(json!(1)),
                false,
            );
            self.judge(sc, step, st, std::slice::from_ref(&ex), None, out);
            return;
        }
        if let Some(l) = &step.listen {
            return self.run_listen(sc, step, l, st, out).await;
        }
        if let Some(h) = &step.await_listen {
            return self.run_await(sc, step, h, st, out).await;
        }
        if let Some(p) = &step.paginate {
            let (exchanges, walk) = match self.walk_pages(p, st).await {
                Ok(x) => x,
                Err(why) => return self.step_error(sc, step, why, out),
            };
            self.judge(sc, step, st, &exchanges, Some(&walk), out);
            let doc = json!({"items": walk.items, "pages": exchanges.len()});
            self.capture(step, st, Some(&doc));
            return;
        }
        if let (Some(r), Some(p)) = (&step.request, &step.poll) {
            let run = match self.run_poll(r, p, st).await {
                Ok(x) => x,
                Err(why) => return self.step_error(sc, step, why, out),
            };
            self.judge_poll(sc, step, st, &run, out);
            let last = run.last_poll().and_then(|x| x.wire.final_json().cloned());
            self.capture(step, st, last.as_ref());
            return;
        }
        if let (Some(r), Some(resp)) = (&step.request, &step.respond) {
            let rounds = match self.run_rounds(r, resp, st).await {
                Ok(x) => x,
                Err(why) => return self.step_error(sc, step, why, out),
            };
            self.judge_rounds(sc, step, st, &rounds, out);
            let last = rounds.last().and_then(|x| x.wire.final_json().cloned());
            self.capture(step, st, last.as_ref());
            return;
        }
        let count = step.repeat.as_ref().map_or(1, |r| r.count());
        let mut built = Vec::new();
        for _ in 0..count {
            let b = match (&step.request, &step.raw) {
                (Some(r), _) => self.build_request(r, st),
                (_, Some(r)) => self.build_raw(r, st),
                _ => Err("step has neither request nor raw".into()),
            };
            match b {
                Ok(b) => built.push(b),
                Err(why) => return self.step_error(sc, step, why, out),
            }
        }
        let notification = step.request.as_ref().is_some_and(|r| r.notification);
        let mut exchanges = Vec::new();
        if step.repeat.as_ref().is_some_and(|r| r.parallel()) {
            // All at once: each on the connection its mode gives (the scenario connection's pool
            // opens more connections as needed).
            if built.iter().any(|b| b.3 == ConnectionMode::Scenario) && st.client.is_none() {
                st.client = self.transport.dedicated().ok();
            }
            let futures = built.into_iter().map(|(req, method, sent_id, mode)| {
                let client = match mode {
                    ConnectionMode::Scenario => st.client.clone(),
                    ConnectionMode::New => self.transport.fresh().ok(),
                    ConnectionMode::Shared => None,
                };
                async move {
                    let outcome = match (client, &self.stdio) {
                        (_, Some(_)) => self.send_default(req).await,
                        (Some(c), None) => self.transport.send_with(&c, req).await,
                        (None, None) => self.transport.send(req).await,
                    };
                    Exchanged::new(outcome, method, sent_id, notification)
                }
            });
            exchanges = futures_util::future::join_all(futures).await;
        } else {
            for (req, method, sent_id, mode) in built {
                let outcome = self.send_on(req, mode, st).await;
                exchanges.push(Exchanged::new(outcome, method, sent_id, notification));
            }
        }
        if step.plain {
            // A plain JSON document is the step's answer, for `json` checks and captures.
            for x in &mut exchanges {
                if x.wire.final_index.is_none()
                    && x.wire.messages.len() == 1
                    && x.wire.messages[0].json().is_some()
                {
                    x.wire.final_index = Some(0);
                }
            }
        }
        self.judge(sc, step, st, &exchanges, None, out);
        let last = exchanges.last().and_then(|x| x.wire.final_json().cloned());
        self.capture(step, st, last.as_ref());
        if let Some(x) = exchanges.last() {
            capture_from_headers(step, st, &x.outcome);
        }
    }

    /// Sends the request, then answers each `input_required` result and retries (new id, the
    /// original params plus `inputResponses` and the echoed `requestState`) until a result of
    /// another kind, an error, or `max_rounds`.
    async fn run_rounds(
        &self,
        r: &RequestSpec,
        resp: &RespondSpec,
        st: &mut ScenarioState,
    ) -> Result<Vec<Exchanged>, String> {
        let max = resp.max_rounds.unwrap_or(4).max(1);
        let base = r.params.clone().unwrap_or_default();
        let mut spec = r.clone();
        let mut rounds = Vec::new();
        loop {
            let (req, method, sent_id, mode) = self.build_request(&spec, st)?;
            let outcome = self.send_on(req, mode, st).await;
            let ex = Exchanged::new(outcome, method, sent_id, false);
            let result = ex.wire.final_json().and_then(|v| v.get("result")).cloned();
            rounds.push(ex);
            let Some(result) = result else { break };
            let input_required =
                result.get("resultType").and_then(|t| t.as_str()) == Some("input_required");
            if !input_required || rounds.len() >= max {
                break;
            }
            let mut responses = Map::new();
            if let Some(requests) = result.get("inputRequests").and_then(|r| r.as_object()) {
                for (key, request) in requests {
                    let answer = answer_for(
                        &resp.answers,
                        &resp.by_method,
                        key,
                        request,
                        !resp.only_listed,
                    );
                    if let Some(a) = answer {
                        responses.insert(key.clone(), st.interpolate(&a)?);
                    }
                }
            }
            for (k, v) in &resp.extra {
                responses.insert(k.clone(), st.interpolate(v)?);
            }
            let mut params = base.clone();
            params.insert(
                "inputResponses".into(),
                resp.input_responses
                    .clone()
                    .unwrap_or(Value::Object(responses)),
            );
            match result.get("requestState") {
                Some(state) => {
                    st.vars.insert("request_state".into(), state.clone());
                }
                None => {
                    st.vars.remove("request_state");
                    st.missing.insert(
                        "request_state".into(),
                        "the last input_required result carried no requestState".into(),
                    );
                }
            }
            if let Some(expr) = &resp.state {
                let needs_state = expr.contains("request_state");
                if !needs_state || result.get("requestState").is_some() {
                    params.insert(
                        "requestState".into(),
                        st.interpolate(&Value::String(expr.clone()))?,
                    );
                }
            }
            spec.params = Some(params);
            // Every retry is a new request with a new id.
            spec.id = None;
        }
        Ok(rounds)
    }

    /// Sends the request again and again until `until` holds on its answer, an attempt gets
    /// no result, or a bound is reached; meanwhile answers a task's input requests with
    /// `tasks/update` when asked to. Waits follow the server's `pollIntervalMs`.
    async fn run_poll(
        &self,
        r: &RequestSpec,
        p: &PollSpec,
        st: &mut ScenarioState,
    ) -> Result<PollRun, String> {
        let start = Instant::now();
        let max_attempts = p.max_attempts.unwrap_or(100).max(1);
        let max_ms = p.max_ms.unwrap_or(15_000);
        let state_ptr = p.state.clone().unwrap_or_else(|| "/result/status".into());
        let task_id = match &r.params {
            Some(params) => match st.interpolate(&Value::Object(params.clone()))? {
                Value::Object(o) => o.get("taskId").cloned(),
                _ => None,
            },
            None => None,
        };
        let mut until = p.until.clone();
        st.interpolate_json_spec(&mut until)?;
        let mut run = PollRun::default();
        let mut seen: BTreeMap<String, Value> = BTreeMap::new();
        let mut answered: BTreeMap<String, Value> = BTreeMap::new();
        let mut updates = 0usize;
        loop {
            let (req, method, sent_id, mode) = self.build_request(r, st)?;
            // The time bound is judged on when an attempt was sent, not when its answer came:
            // an answer delayed past max_ms describes the state before it, so one more attempt
            // follows (a slow or busy peer must not turn into "never reached").
            let sent_ms = start.elapsed().as_millis() as u64;
            let outcome = self.send_on(req, mode, st).await;
            let ex = Exchanged::new(outcome, method, sent_id, false);
            let fin = ex.wire.final_json().cloned();
            let result = fin.as_ref().and_then(|v| v.get("result")).cloned();
            let desc = crate::wire::describe_final(&ex.outcome, &ex.wire);
            run.states
                .push(fin.as_ref().and_then(|v| v.pointer(&state_ptr)).cloned());
            run.push(PollKind::Poll, ex);
            let attempts = run.attempts();
            let Some(result) = result else {
                run.end = format!("attempt {attempts} got no result: {desc}");
                break;
            };
            if let Some(requests) = result.get("inputRequests").and_then(|r| r.as_object()) {
                for (k, v) in requests {
                    if answered.contains_key(k) && run.key_problem.is_none() {
                        run.key_problem = Some(format!(
                            "key {k:?} came back in attempt {attempts} after it was answered"
                        ));
                    }
                    if let Some(before) = seen.get(k)
                        && before != v
                        && run.key_problem.is_none()
                    {
                        run.key_problem = Some(format!(
                            "key {k:?} named another request in attempt {attempts}: {} became {}",
                            clip(&before.to_string(), 120),
                            clip(&v.to_string(), 120)
                        ));
                    }
                    seen.insert(k.clone(), v.clone());
                }
            }
            let found = fin.as_ref().and_then(|v| v.pointer(&until.pointer));
            if checks::json_condition(&until, found).is_ok() {
                run.reached = true;
                break;
            }
            if attempts >= max_attempts {
                run.end = format!("{attempts} attempts (max_attempts) without the condition");
                break;
            }
            let elapsed = start.elapsed().as_millis() as u64;
            if sent_ms >= max_ms {
                run.end = format!(
                    "{elapsed} ms without the condition (the last attempt was sent at {sent_ms} ms, max_ms {max_ms})"
                );
                break;
            }
            if let Some(a) = &p.answer
                && result.get("status").and_then(|s| s.as_str()) == Some("input_required")
                && updates < a.max_updates.unwrap_or(10)
                && let Some(requests) = result.get("inputRequests").and_then(|r| r.as_object())
            {
                let mut responses = Map::new();
                for (key, request) in requests {
                    if answered.contains_key(key)
                        || a.max_keys.is_some_and(|m| responses.len() >= m)
                    {
                        continue;
                    }
                    let answer = answer_for(&a.answers, &a.by_method, key, request, true);
                    if let Some(answer) = answer {
                        responses.insert(key.clone(), st.interpolate(&answer)?);
                        answered.insert(key.clone(), request.clone());
                    }
                }
                if !responses.is_empty() {
                    updates += 1;
                    let mut params = Map::new();
                    if let Some(id) = &task_id {
                        params.insert("taskId".into(), id.clone());
                    }
                    params.insert("inputResponses".into(), Value::Object(responses));
                    let spec = RequestSpec {
                        method: "tasks/update".into(),
                        params: Some(params),
                        meta: r.meta.clone(),
                        capabilities: r.capabilities.clone(),
                        connection: r.connection,
                        ..Default::default()
                    };
                    let (req, method, sent_id, mode) = self.build_request(&spec, st)?;
                    let outcome = self.send_on(req, mode, st).await;
                    run.push(
                        PollKind::Update,
                        Exchanged::new(outcome, method, sent_id, false),
                    );
                    // The answer may change the state at once: look again without waiting.
                    continue;
                }
            }
            let hint = result.get("pollIntervalMs").and_then(|v| v.as_u64());
            let wait = p.interval_ms.or(hint).unwrap_or(100).clamp(1, 5_000);
            // At least 1 ms, so that the attempt after the deadline is sent after it.
            let elapsed = start.elapsed().as_millis() as u64;
            let wait = wait.min(max_ms.saturating_sub(elapsed)).max(1);
            tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
        }
        run.elapsed_ms = start.elapsed().as_millis() as u64;
        run.keys_seen = seen.len();
        run.keys_answered = answered.len();
        Ok(run)
    }

    /// Judges a poll: `poll`, `task_transitions` and `input_keys` on the whole run, other checks
    /// on the attempt(s) `on`/`round` selects, the schema on every exchange.
    fn judge_poll(
        &self,
        sc: &Scenario,
        step: &Step,
        st: &ScenarioState,
        run: &PollRun,
        out: &mut Vec<CheckRecord>,
    ) {
        let polls: Vec<&Exchanged> = run.of(PollKind::Poll);
        let updates: Vec<&Exchanged> = run.of(PollKind::Update);
        let last = polls.last().map(|x| &x.outcome);
        let summary = run.summary();
        for e in &step.expect {
            let x = match st.interpolate_expectation(&e.value) {
                Ok(x) => x,
                Err(why) => {
                    out.push(self.judged(sc, step, &e.value, Judgement::Error(why), last));
                    continue;
                }
            };
            if let Some(pc) = &x.poll {
                let j = if run.reached == pc.reached {
                    Judgement::Pass {
                        actual: summary.clone(),
                    }
                } else {
                    Judgement::Fail {
                        expected: if pc.reached {
                            "the poll condition to hold within the bounds".into()
                        } else {
                            "the poll condition never to hold".into()
                        },
                        actual: if run.reached {
                            summary.clone()
                        } else {
                            format!("{summary}; stopped after {}", run.end)
                        },
                    }
                };
                out.push(self.judged(sc, step, &x, j, last));
                continue;
            }
            if let Some(t) = &x.task_transitions {
                let j = judge_transitions(t.from.as_ref(), &run.states, "attempt");
                out.push(self.judged(sc, step, &x, j, last));
                continue;
            }
            if x.input_keys.is_some() {
                let j = match &run.key_problem {
                    None => Judgement::Pass {
                        actual: format!(
                            "{} input key(s) seen, {} answered; none changed or came back",
                            run.keys_seen, run.keys_answered
                        ),
                    },
                    Some(p) => Judgement::Fail {
                        expected: "each inputRequests key names one request and does not come back once answered".into(),
                        actual: p.clone(),
                    },
                };
                out.push(self.judged(sc, step, &x, j, last));
                continue;
            }
            let (pool, what): (Vec<(usize, &Exchanged)>, &str) =
                match (x.on.unwrap_or_default(), x.round) {
                    (PollSelector::EveryUpdate, _) => {
                        (updates.iter().copied().enumerate().collect(), "update")
                    }
                    (_, Some(n)) => (
                        polls
                            .get(n.saturating_sub(1))
                            .map(|p| (n.saturating_sub(1), *p))
                            .into_iter()
                            .collect(),
                        "attempt",
                    ),
                    (PollSelector::Every, None) => {
                        (polls.iter().copied().enumerate().collect(), "attempt")
                    }
                    (PollSelector::First, None) => (
                        polls.first().map(|p| (0, *p)).into_iter().collect(),
                        "attempt",
                    ),
                    (PollSelector::Last, None) => (
                        polls
                            .last()
                            .map(|p| (polls.len() - 1, *p))
                            .into_iter()
                            .collect(),
                        "attempt",
                    ),
                };
            let total = if what == "update" {
                updates.len()
            } else {
                polls.len()
            };
            if pool.is_empty() {
                let why = match (what, x.round) {
                    ("update", _) => "the poll sent no tasks/update".to_string(),
                    (_, Some(n)) => format!("the poll made {} attempt(s), not {n}", polls.len()),
                    _ => "nothing was exchanged".into(),
                };
                let j = if x.round.is_some() {
                    Judgement::Fail {
                        expected: format!("an attempt {}", x.round.unwrap_or(0)),
                        actual: format!("{why} ({summary})"),
                    }
                } else {
                    out.push(self.record(
                        sc,
                        step,
                        &x,
                        Status::NotApplicable,
                        why,
                        None,
                        None,
                        None,
                    ));
                    continue;
                };
                out.push(self.judged(sc, step, &x, j, last));
                continue;
            }
            out.push(self.judge_each(sc, step, &x, &pool, what, total));
        }
        self.wire_schema_check(sc, step, &run.exchanges, out);
    }

    /// Judges a round trip: each check on its `round` (default the last), the schema on all.
    fn judge_rounds(
        &self,
        sc: &Scenario,
        step: &Step,
        st: &ScenarioState,
        rounds: &[Exchanged],
        out: &mut Vec<CheckRecord>,
    ) {
        for e in &step.expect {
            let x = match st.interpolate_expectation(&e.value) {
                Ok(x) => x,
                Err(why) => {
                    out.push(self.judged(
                        sc,
                        step,
                        &e.value,
                        Judgement::Error(why),
                        rounds.last().map(|r| &r.outcome),
                    ));
                    continue;
                }
            };
            let idx = x
                .round
                .map_or(rounds.len().saturating_sub(1), |n| n.saturating_sub(1));
            let Some(ex) = rounds.get(idx) else {
                let j = Judgement::Fail {
                    expected: format!("a round {}", idx + 1),
                    actual: format!(
                        "the exchange ended after {} round(s): {}",
                        rounds.len(),
                        rounds
                            .last()
                            .map_or("nothing".into(), |r| crate::wire::describe_final(
                                &r.outcome, &r.wire
                            ))
                    ),
                };
                out.push(self.judged(sc, step, &x, j, rounds.last().map(|r| &r.outcome)));
                continue;
            };
            out.push(self.judge_each(sc, step, &x, &[(idx, ex)], "round", rounds.len()));
        }
        self.wire_schema_check(sc, step, rounds, out);
    }

    /// Why a step cannot run on this transport, if it cannot.
    fn step_not_applicable(&self, step: &Step) -> Option<String> {
        let stdio = self.stdio.is_some();
        if step.eof.is_some() && !stdio {
            return Some("an end-of-input step applies to stdio servers only".into());
        }
        if !stdio {
            return None;
        }
        if let Some(r) = &step.request {
            if !r.headers.is_empty() {
                return Some("the step changes HTTP headers; a stdio server has none".into());
            }
            if r.disconnect_after.is_some() {
                return Some("closing the response stream cancels on HTTP; stdio cancels with notifications/cancelled".into());
            }
        }
        if let Some(r) = &step.raw {
            let post = r
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case("POST"));
            if !post || r.path.is_some() || (r.body.is_none() && r.json.is_none()) {
                return Some("the step is an HTTP request with no stdio equivalent".into());
            }
        }
        None
    }

    /// Captures read `doc` (the final response, or a page walk's summary).
    fn capture(&self, step: &Step, st: &mut ScenarioState, doc: Option<&Value>) {
        for (name, ptr) in &step.capture {
            if !ptr.is_empty() && !ptr.starts_with('/') {
                // `challenge:` and `header:` sources: see `capture_from_headers`.
                continue;
            }
            match doc {
                Some(v) => match v.pointer(ptr) {
                    Some(x) => {
                        st.vars.insert(name.clone(), x.clone());
                    }
                    None => {
                        st.missing.insert(
                            name.clone(),
                            format!("step {:?} found nothing at {ptr}", step.name.value),
                        );
                    }
                },
                None => {
                    st.missing.insert(
                        name.clone(),
                        format!(
                            "step {:?} got no JSON-RPC response to capture from",
                            step.name.value
                        ),
                    );
                }
            }
        }
    }

    fn ctx<'a>(&'a self, x: &'a Exchanged) -> Ctx<'a> {
        let tool = (x.method.as_deref() == Some("tools/call"))
            .then(|| serde_json::from_slice::<Value>(&x.outcome.request.body).ok())
            .flatten()
            .and_then(|b| {
                b.pointer("/params/name")
                    .and_then(|n| n.as_str())
                    .map(String::from)
            })
            .and_then(|n| self.profile.tool(&n));
        Ctx {
            outcome: &x.outcome,
            wire: &x.wire,
            sent_id: x.sent_id.as_ref(),
            method: x.method.as_deref(),
            tool,
            notification: x.notification,
            stdio: self.stdio.is_some(),
        }
    }

    /// Judges every expectation of `step` over its exchanges: `pages` and `same` over all of
    /// them together, everything else on each exchange (the first that fails decides).
    fn judge(
        &self,
        sc: &Scenario,
        step: &Step,
        st: &ScenarioState,
        exchanges: &[Exchanged],
        walk: Option<&PageWalk>,
        out: &mut Vec<CheckRecord>,
    ) {
        let n = exchanges.len();
        for e in &step.expect {
            let x = match st.interpolate_expectation(&e.value) {
                Ok(x) => x,
                Err(why) => {
                    let evidence = exchanges.last().map(|x| &x.outcome);
                    out.push(self.judged(sc, step, &e.value, Judgement::Error(why), evidence));
                    continue;
                }
            };
            if let Some(p) = &x.pages {
                let (j, i) = judge_pages(p, walk, exchanges);
                out.push(self.judged(sc, step, &x, j, exchanges.get(i).map(|x| &x.outcome)));
                continue;
            }
            if let Some(t) = &x.task_transitions {
                // Outside `poll` steps: the states the `notifications/tasks` reported.
                let states: Vec<Option<Value>> = exchanges
                    .iter()
                    .flat_map(|x| x.wire.messages.iter())
                    .filter_map(|m| m.json())
                    .filter(|v| {
                        v.get("method").and_then(|m| m.as_str()) == Some("notifications/tasks")
                    })
                    .map(|v| v.pointer("/params/status").cloned())
                    .collect();
                if states.is_empty() {
                    out.push(self.record(
                        sc,
                        step,
                        &x,
                        Status::NotApplicable,
                        "not applicable: no notifications/tasks arrived (a server MAY not send them)".into(),
                        None,
                        None,
                        None,
                    ));
                } else {
                    let j = judge_transitions(t.from.as_ref(), &states, "notification");
                    out.push(self.judged(sc, step, &x, j, exchanges.last().map(|x| &x.outcome)));
                }
                continue;
            }
            if let Some(ptr) = &x.same {
                let (j, i) = judge_same(ptr, exchanges);
                out.push(self.judged(sc, step, &x, j, exchanges.get(i).map(|x| &x.outcome)));
                continue;
            }
            let pool: Vec<(usize, &Exchanged)> = exchanges.iter().enumerate().collect();
            let what = walk.map_or("repetition", |_| "page");
            out.push(self.judge_each(sc, step, &x, &pool, what, n));
        }
        self.wire_schema_check(sc, step, exchanges, out);
    }

    /// Judges `x` on each exchange of `pool` (its index among `total`): the first that does
    /// not pass decides, labelled `<what> i of total` when there are several; not_applicable
    /// (with the reason) when no exchange of the pool applies.
    fn judge_each(
        &self,
        sc: &Scenario,
        step: &Step,
        x: &Expectation,
        pool: &[(usize, &Exchanged)],
        what: &str,
        total: usize,
    ) -> CheckRecord {
        let mut verdict: Option<(Judgement, &Exchanged)> = None;
        let mut not_applicable = None;
        for (i, ex) in pool {
            let ctx = self.ctx(ex);
            if let Some(why) = checks::not_applicable(x, &ctx) {
                not_applicable.get_or_insert(why);
                continue;
            }
            let j = checks::evaluate(x, &ctx);
            let bad = !matches!(j, Judgement::Pass { .. });
            let j = if total > 1 {
                label(j, what, i + 1, total)
            } else {
                j
            };
            verdict = Some((j, ex));
            if bad {
                break;
            }
        }
        match verdict {
            Some((j, ex)) => self.judged(sc, step, x, j, Some(&ex.outcome)),
            None => self.record(
                sc,
                step,
                x,
                Status::NotApplicable,
                not_applicable.unwrap_or_else(|| "nothing was exchanged".into()),
                None,
                None,
                None,
            ),
        }
    }

    async fn walk_pages(
        &self,
        p: &PaginateSpec,
        st: &mut ScenarioState,
    ) -> Result<(Vec<Exchanged>, PageWalk), String> {
        let max = p.max_pages.unwrap_or(100).max(1);
        let base = match &p.params {
            Some(params) => match st.interpolate(&Value::Object(params.clone()))? {
                Value::Object(o) => o,
                _ => Map::new(),
            },
            None => Map::new(),
        };
        let mut cursor: Option<Value> = base.get("cursor").cloned();
        let mut seen: Vec<Value> = cursor.iter().cloned().collect();
        let mut walk = PageWalk::default();
        let mut exchanges = Vec::new();
        loop {
            if exchanges.len() >= max {
                walk.end = PageEnd::TooMany(max);
                break;
            }
            let mut params = base.clone();
            match &cursor {
                Some(c) => {
                    params.insert("cursor".into(), c.clone());
                }
                None => {
                    params.remove("cursor");
                }
            }
            let spec = RequestSpec {
                method: p.method.clone(),
                params: Some(params),
                headers: p.headers.clone(),
                connection: p.connection,
                instance: p.instance,
                ..Default::default()
            };
            let (req, method, sent_id, mode) = self.build_request(&spec, st)?;
            let outcome = self.send_on(req, mode, st).await;
            let ex = Exchanged::new(outcome, method, sent_id, false);
            let result = ex.wire.final_json().and_then(|v| v.get("result")).cloned();
            let page_no = exchanges.len() + 1;
            let desc = crate::wire::describe_final(&ex.outcome, &ex.wire);
            exchanges.push(ex);
            let Some(result) = result else {
                walk.end = PageEnd::Failed(format!("page {page_no}: {desc}"));
                break;
            };
            match result.get(&p.items) {
                Some(Value::Array(a)) => walk.items.extend(a.iter().cloned()),
                _ => {
                    walk.end =
                        PageEnd::Failed(format!("page {page_no} has no `{}` array", p.items));
                    break;
                }
            }
            match result.get("nextCursor") {
                None | Some(Value::Null) => {
                    walk.end = PageEnd::Ended;
                    break;
                }
                Some(c) if !c.is_string() => {
                    walk.end =
                        PageEnd::Failed(format!("page {page_no}: nextCursor is {c}, not a string"));
                    break;
                }
                Some(c) => {
                    if seen.contains(c) {
                        walk.end = PageEnd::Loop(page_no, c.to_string());
                        break;
                    }
                    seen.push(c.clone());
                    cursor = Some(c.clone());
                }
            }
        }
        Ok((exchanges, walk))
    }

    async fn run_listen(
        &self,
        sc: &Scenario,
        step: &Step,
        l: &ListenSpec,
        st: &mut ScenarioState,
        out: &mut Vec<CheckRecord>,
    ) {
        let spec = RequestSpec {
            method: "subscriptions/listen".into(),
            params: l.params.clone(),
            id: l.id.clone(),
            capabilities: l.capabilities.clone(),
            instance: l.instance,
            ..Default::default()
        };
        let (mut req, method, sent_id, _) = match self.build_request(&spec, st) {
            Ok(b) => b,
            Err(why) => return self.step_error(sc, step, why, out),
        };
        let bound = std::time::Duration::from_millis(l.timeout_ms.unwrap_or(DEFAULT_LISTEN_MS));
        if let Some(t) = &self.stdio {
            let id = sent_id.clone().unwrap_or(Value::Null);
            let mut sub = t.server.subscribe(&id);
            let _ = t
                .server
                .exchange(&String::from_utf8_lossy(&req.body), None, bound)
                .await;
            let deadline = tokio::time::Instant::now() + bound;
            let mut lines = Vec::new();
            if let Some(first) = sub.next(bound.min(LISTEN_ESTABLISH)).await {
                lines.push(first);
            }
            let ex = Exchanged::new(
                t.outcome(req.clone(), lines.clone(), &id, None),
                method.clone(),
                sent_id.clone(),
                false,
            );
            self.judge_listen_start(sc, step, st, &ex, out);
            st.listens.insert(
                l.handle.clone(),
                ListenRun {
                    task: None,
                    done: None,
                    method,
                    sent_id,
                    deadline,
                    bound,
                    stdio: Some(StdioListen {
                        sub,
                        lines,
                        until: l.until_messages,
                        until_method: l.until_method.clone(),
                        request: req,
                    }),
                    tap: None,
                },
            );
            return;
        }
        req.open_ended = true;
        req.timeout = Some(bound);
        req.stop_after_events = l.until_messages;
        req.stop_on_method = l.until_method.clone();
        let deadline = tokio::time::Instant::now() + bound;
        let tap = StreamTap::new();
        req.tap = Some(Arc::clone(&tap));
        let mut seen = tap.seen.subscribe();
        // Its own connection: a listen stream holds it for its whole life.
        let client = match self.transport.fresh() {
            Ok(c) => c,
            Err(e) => return self.step_error(sc, step, e.to_string(), out),
        };
        let transport = self.transport.clone();
        let mut task = tokio::spawn(async move { transport.send_with(&client, req).await });
        // Later steps may trigger notifications: continue only once the stream is established
        // (its first event arrived), it ended, or LISTEN_ESTABLISH passed (the stream then goes
        // on collecting until its own bound).
        let first_event = async {
            while tap.event_count() == 0 {
                if seen.changed().await.is_err() {
                    break;
                }
            }
        };
        let finished = tokio::select! {
            r = &mut task => Some(r.unwrap_or_else(|e| panic_outcome(&e))),
            _ = first_event => None,
            _ = tokio::time::sleep(bound.min(LISTEN_ESTABLISH)) => None,
        };
        let outcome = match &finished {
            Some(o) => o.clone(),
            None => HttpOutcome {
                request: HttpRequest::new("POST", &self.opts.url, Vec::new(), Vec::new()),
                response: tap.snapshot(),
                error: None,
                elapsed: std::time::Duration::ZERO,
            },
        };
        let ex = Exchanged::new(outcome, method.clone(), sent_id.clone(), false);
        self.judge_listen_start(sc, step, st, &ex, out);
        st.listens.insert(
            l.handle.clone(),
            ListenRun {
                task: if finished.is_some() { None } else { Some(task) },
                done: finished,
                method,
                sent_id,
                deadline,
                bound,
                stdio: None,
                tap: Some(tap),
            },
        );
    }

    /// The listen step judges what has arrived so far (usually the acknowledgement); the schema
    /// is checked once, on the whole stream, by `await`.
    fn judge_listen_start(
        &self,
        sc: &Scenario,
        step: &Step,
        st: &ScenarioState,
        ex: &Exchanged,
        out: &mut Vec<CheckRecord>,
    ) {
        for e in &step.expect {
            let x = match st.interpolate_expectation(&e.value) {
                Ok(x) => x,
                Err(why) => {
                    out.push(self.judged(
                        sc,
                        step,
                        &e.value,
                        Judgement::Error(why),
                        Some(&ex.outcome),
                    ));
                    continue;
                }
            };
            out.push(self.judge_each(sc, step, &x, &[(0, ex)], "message", 1));
        }
    }

    async fn run_await(
        &self,
        sc: &Scenario,
        step: &Step,
        handle: &str,
        st: &mut ScenarioState,
        out: &mut Vec<CheckRecord>,
    ) {
        let Some(run) = st.listens.remove(handle) else {
            return self.step_error(
                sc,
                step,
                format!("no open listen stream named {handle:?}"),
                out,
            );
        };
        // Set when the listen bound closes the stream before the settle window has passed: the
        // window after the triggering steps (slow ones, or a loaded machine) was not observed.
        let mut truncated = None;
        // When a stdio subscription stops collecting (HTTP streams are cut through their tap).
        let mut collect_until = run.deadline;
        if let Some(ms) = step.settle_ms {
            let settle = std::time::Duration::from_millis(ms);
            if run.deadline < tokio::time::Instant::now() + settle {
                truncated = Some(format!(
                    "listen stream {handle:?} was closed by its timeout_ms ({} ms) before the \
                     {ms} ms settle_ms window after the steps in between had passed, so that \
                     window was not observed; give the listen step a longer timeout_ms",
                    run.bound.as_millis()
                ));
            }
            if let Some(tap) = &run.tap {
                tap.cut_after(settle);
            }
            collect_until = collect_until.min(tokio::time::Instant::now() + settle);
        }
        let on_stdio = run.stdio.is_some();
        let outcome = match (run.done, run.task, run.stdio) {
            (_, _, Some(mut l)) => {
                let t = self
                    .stdio
                    .as_ref()
                    .expect("stdio listens only on stdio targets");
                let id = run.sent_id.clone().unwrap_or(Value::Null);
                let until_method = l.until_method.take();
                let is_awaited = |line: &str| {
                    until_method
                        .as_deref()
                        .is_some_and(|m| crate::util::message_method(line).as_deref() == Some(m))
                };
                // Lines that came before the await (usually the acknowledgement) count too.
                let mut arrived = l.lines.iter().any(|x| is_awaited(x));
                while !arrived && l.until.is_none_or(|n| l.lines.len() < n) {
                    let left = collect_until.saturating_duration_since(tokio::time::Instant::now());
                    if left.is_zero() {
                        break;
                    }
                    match l.sub.next(left).await {
                        Some(m) => {
                            arrived = is_awaited(&m);
                            l.lines.push(m);
                        }
                        None => break,
                    }
                }
                // Ending a subscription on stdio is a cancellation naming the listen request.
                let cancel = json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": id}});
                let _ = t
                    .server
                    .exchange(
                        &cancel.to_string(),
                        None,
                        std::time::Duration::from_millis(100),
                    )
                    .await;
                t.outcome(l.request, l.lines, &id, None)
            }
            (Some(o), _, None) => o,
            (None, Some(task), None) => task.await.unwrap_or_else(|e| panic_outcome(&e)),
            (None, None, None) => {
                return self.step_error(sc, step, "the listen stream was lost".into(), out);
            }
        };
        // Over stdio the collection loop stops at the deadline; over HTTP the bound leaves the
        // stream open on the server's side.
        let ended_by_bound = on_stdio
            || outcome
                .response
                .as_ref()
                .and_then(|r| r.sse.as_ref())
                .is_some_and(|s| s.end == crate::transport::StreamEnd::LeftOpen);
        // A stream the server closed itself is judged as it is (closing is its behaviour).
        if let Some(why) = truncated.filter(|_| ended_by_bound) {
            return self.step_error(sc, step, why, out);
        }
        let ex = Exchanged::new(outcome, run.method, run.sent_id, false);
        self.judge(sc, step, st, std::slice::from_ref(&ex), None, out);
        let last = ex.wire.final_json().cloned();
        self.capture(step, st, last.as_ref());
    }

    /// Every message the server sent is validated against the revision's schema: one automatic
    /// check per step that received any JSON-RPC message (over all its exchanges).
    fn wire_schema_check(
        &self,
        sc: &Scenario,
        step: &Step,
        exchanges: &[Exchanged],
        out: &mut Vec<CheckRecord>,
    ) {
        if step.plain {
            return;
        }
        let total: usize = exchanges.iter().map(|x| x.wire.messages.len()).sum();
        // A stream the harness cut on purpose (`disconnect_after`) is judged by its own checks;
        // its partial messages are not a complete exchange to validate. A listen stream closed
        // because the awaited message arrived (`until_method`) is complete as far as it goes.
        let cut = exchanges.iter().any(|x| {
            x.outcome.request.stop_on_method.is_none()
                && x.outcome
                    .response
                    .as_ref()
                    .and_then(|r| r.sse.as_ref())
                    .is_some_and(|s| s.end == crate::transport::StreamEnd::ClosedByClient)
        });
        if total == 0 || cut {
            return;
        }
        let mut first_bad = None;
        for (i, ex) in exchanges.iter().enumerate() {
            let ctx = self.ctx(ex);
            let problems = checks::schema_problems(&ctx);
            if !problems.is_empty() {
                first_bad = Some((i, problems));
                break;
            }
        }
        let (idx, requirement, judgement) = match &first_bad {
            None => {
                let last = exchanges
                    .iter()
                    .rposition(|x| !x.wire.messages.is_empty())
                    .unwrap_or(0);
                let ctx = self.ctx(&exchanges[last]);
                (
                    last,
                    schema_requirement(&ctx, None),
                    Judgement::Pass {
                        actual: format!("{total} message(s) valid"),
                    },
                )
            }
            Some((i, problems)) => {
                let ctx = self.ctx(&exchanges[*i]);
                let mut actual = checks::summarize(problems);
                if exchanges.len() > 1 {
                    actual = format!("exchange {} of {}: {actual}", i + 1, exchanges.len());
                }
                (
                    *i,
                    schema_requirement(&ctx, problems.first()),
                    Judgement::Fail {
                        expected: "every message valid against the revision's schema".into(),
                        actual,
                    },
                )
            }
        };
        let e = Expectation {
            req: requirement.to_string(),
            id: Some(format!(
                "{}/wire-schema",
                crate::scenario::slug(&step.name.value)
            )),
            schema_valid: Some(true),
            ..Default::default()
        };
        out.push(self.judged(sc, step, &e, judgement, Some(&exchanges[idx].outcome)));
    }

    fn judged(
        &self,
        sc: &Scenario,
        step: &Step,
        e: &Expectation,
        j: Judgement,
        outcome: Option<&HttpOutcome>,
    ) -> CheckRecord {
        let level = self.level_of(e);
        let (status, message, expected, actual) = match j {
            Judgement::Pass { actual } => (Status::Pass, "ok".to_string(), None, Some(actual)),
            Judgement::Fail { expected, actual } => {
                let status = match level {
                    Level::Must => Status::Fail,
                    _ if self.opts.strict => Status::Fail,
                    _ => Status::Warn,
                };
                let msg = e
                    .message
                    .clone()
                    .unwrap_or_else(|| format!("expected {expected}, got {actual}"));
                (status, msg, Some(expected), Some(actual))
            }
            Judgement::Error(why) => (Status::Error, why, None, None),
        };
        let mut rec = self.record(sc, step, e, status, message, expected, actual, None);
        if let (true, Some(outcome)) = (status != Status::Pass, outcome) {
            rec.exchange = Some(exchange_record(outcome));
            rec.curl = Some(curl(&outcome.request));
        }
        rec
    }

    fn level_of(&self, e: &Expectation) -> Level {
        e.level
            .or_else(|| self.catalogue.get(&e.req).map(|r| r.check_level))
            .unwrap_or(Level::Must)
    }

    #[allow(clippy::too_many_arguments)]
    fn record(
        &self,
        sc: &Scenario,
        step: &Step,
        e: &Expectation,
        status: Status,
        message: String,
        expected: Option<String>,
        actual: Option<String>,
        exchange: Option<Exchange>,
    ) -> CheckRecord {
        CheckRecord {
            scenario: sc.id.value.clone(),
            id: check_id(&step.name.value, e),
            requirement: e.req.clone(),
            level: self.level_of(e),
            status,
            rule: self
                .catalogue
                .get(&e.req)
                .map(|r| r.rule.clone())
                .unwrap_or_default(),
            message,
            expected,
            actual,
            step: Some(step.name.value.clone()),
            exchange,
            curl: None,
            baseline: None,
        }
    }

    fn build_request(
        &self,
        r: &RequestSpec,
        st: &mut ScenarioState,
    ) -> Result<(HttpRequest, Option<String>, Option<Value>, ConnectionMode), String> {
        let method = st.interpolate_str(&r.method)?;
        let mut params = match &r.params {
            Some(p) => match st.interpolate(&Value::Object(p.clone()))? {
                Value::Object(o) => o,
                _ => unreachable!(),
            },
            None => Map::new(),
        };
        self.apply_fixture_names(&method, &mut params);
        if !r.omit_meta {
            let mut meta = self.baseline_meta();
            if let Some(c) = &r.capabilities {
                meta.insert(
                    "io.modelcontextprotocol/clientCapabilities".into(),
                    st.interpolate(c)?,
                );
            }
            for (k, v) in &r.meta {
                let v = st.interpolate(v)?;
                if v.is_null() {
                    meta.remove(k);
                } else {
                    meta.insert(k.clone(), v);
                }
            }
            params.insert("_meta".into(), Value::Object(meta));
        }
        let id = if r.notification {
            None
        } else {
            Some(match &r.id {
                Some(v) => st.interpolate(v)?,
                None => {
                    st.next_id += 1;
                    json!(st.next_id)
                }
            })
        };
        let mut body = Map::new();
        body.insert("jsonrpc".into(), json!("2.0"));
        if let Some(id) = &id {
            body.insert("id".into(), id.clone());
        }
        body.insert("method".into(), json!(method));
        let params = Value::Object(params);
        if !r.omit_params {
            body.insert("params".into(), params.clone());
        }
        let mut headers = self.baseline_headers(&method, Some(&params));
        for (k, v) in &r.headers {
            let v = match v {
                Some(v) => Some(st.interpolate_str(v)?),
                None => None,
            };
            set_header(&mut headers, k, v);
        }
        let url = self.pick_url(st, r.instance)?;
        let mut req = HttpRequest::new(
            "POST",
            &url,
            headers,
            serde_json::to_vec(&Value::Object(body)).expect("serialises"),
        );
        req.expect_id = id.clone();
        req.stop_after_events = r.disconnect_after.as_ref().map(|d| d.events);
        Ok((req, Some(method), id, r.connection))
    }

    fn build_raw(
        &self,
        r: &RawSpec,
        st: &mut ScenarioState,
    ) -> Result<(HttpRequest, Option<String>, Option<Value>, ConnectionMode), String> {
        let body_json = match &r.json {
            Some(j) => Some(st.interpolate(j)?),
            None => None,
        };
        let body = match (&r.body, &body_json, &r.body_base64) {
            (Some(b), _, _) => st.interpolate_str(b)?.into_bytes(),
            (None, Some(j), _) => serde_json::to_vec(j).expect("serialises"),
            (None, None, Some(b)) => {
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD
                    .decode(b.trim())
                    .map_err(|e| format!("raw body_base64: {e}"))?
            }
            (None, None, None) => Vec::new(),
        };
        // A body given as text that is a JSON object still names its method and id (so the
        // answer is judged for that method and its id can be compared).
        let body_json = body_json.or_else(|| {
            serde_json::from_slice::<Value>(&body)
                .ok()
                .filter(Value::is_object)
        });
        let method_in_body = body_json
            .as_ref()
            .and_then(|j| j.get("method"))
            .and_then(|m| m.as_str())
            .map(String::from);
        let mut headers = match &r.baseline_method {
            Some(m) => self.baseline_headers(m, body_json.as_ref().and_then(|j| j.get("params"))),
            None => {
                // Even a hand-made request carries the run's credentials (a `null` header
                // removes them), so a protected server judges what the step is about.
                let mut h = Vec::new();
                self.add_authorization(&mut h);
                h
            }
        };
        for (k, v) in &r.headers {
            match v {
                None => set_header(&mut headers, k, None),
                Some(vals) => {
                    let vals = vals.to_vec();
                    set_header(&mut headers, k, None);
                    for v in vals {
                        headers.push((k.clone(), st.interpolate_str(&v)?));
                    }
                }
            }
        }
        let base = self.pick_url(st, r.instance)?;
        let url = match (&r.url, &r.path) {
            (Some(u), _) => {
                let u = st.interpolate_str(u)?;
                url::Url::parse(&u).map_err(|e| format!("raw url {u:?}: {e}"))?;
                u
            }
            (None, Some(p)) => with_path(&base, &st.interpolate_str(p)?)?,
            (None, None) => base,
        };
        let id = body_json.as_ref().and_then(|j| j.get("id")).cloned();
        let mut req = HttpRequest::new(r.method.as_deref().unwrap_or("POST"), &url, headers, body);
        req.expect_id = id.clone();
        let method = method_in_body.or_else(|| r.baseline_method.clone());
        Ok((req, method, id, r.connection))
    }

    /// The URL of the instance a request goes to: the one asked for, the scenario's pinned one,
    /// or the next in turn (deterministic round-robin, starting with the first each scenario).
    fn pick_url(&self, st: &mut ScenarioState, want: Option<usize>) -> Result<String, String> {
        let urls = self.opts.urls();
        let i = match (want, st.pinned) {
            (Some(i), _) => i,
            (None, Some(p)) => p,
            (None, None) => {
                st.turn += 1;
                (st.turn - 1) % urls.len()
            }
        };
        urls.get(i).map(|u| u.to_string()).ok_or_else(|| {
            format!(
                "the step asks for instance {i}, but the run has {} (give --url more times)",
                urls.len()
            )
        })
    }

    /// Official fixture names in scenarios are bound to the server's own names (config file).
    fn apply_fixture_names(&self, method: &str, params: &mut Map<String, Value>) {
        if method == "tools/call" {
            let bound_args = params
                .get("name")
                .and_then(|n| n.as_str())
                .and_then(|n| self.opts.fixture_arguments.get(n))
                .cloned();
            if let Some(args) = bound_args {
                params.insert("arguments".into(), Value::Object(args));
            }
        }
        let field = match method {
            "tools/call" | "prompts/get" => "name",
            "resources/read" => "uri",
            _ => "",
        };
        if let Some(Value::String(s)) = params.get_mut(field) {
            *s = self.map_fixture(s).to_string();
        }
        if method == "completion/complete"
            && let Some(Value::Object(r)) = params.get_mut("ref")
        {
            for f in ["name", "uri"] {
                if let Some(Value::String(s)) = r.get_mut(f) {
                    *s = self.map_fixture(s).to_string();
                }
            }
        }
    }
}

fn find_in(listing: &Listing, field: &str, want: &str, what: &str) -> Option<String> {
    match &listing.items {
        Some(items) => {
            if items
                .iter()
                .any(|i| i.get(field).and_then(|v| v.as_str()) == Some(want))
            {
                None
            } else {
                Some(format!("the server lists no {what} `{want}`"))
            }
        }
        None => Some(
            listing
                .problem
                .clone()
                .unwrap_or_else(|| format!("no {what} list")),
        ),
    }
}

/// The requirement about the shape of `method`'s result (STATELESS-20 for other methods).
pub fn result_schema_requirement(method: &str) -> &'static str {
    match method {
        "server/discover" => "STATELESS-12",
        "tools/list" => "TOOLS-02",
        "tools/call" => "TOOLS-07",
        "resources/list" => "RES-02",
        "resources/templates/list" => "RES-03",
        "resources/read" => "RES-04",
        "prompts/list" => "PROMPT-02",
        "prompts/get" => "PROMPT-03",
        "completion/complete" => "COMPL-02",
        "tasks/get" => "TASKS-08",
        "tasks/update" => "TASKS-11",
        "tasks/cancel" => "TASKS-13",
        _ => "STATELESS-20",
    }
}

/// Which requirement a schema verdict is about.
fn schema_requirement(ctx: &Ctx, first: Option<&(usize, String, String)>) -> &'static str {
    let by_method = result_schema_requirement;
    let final_msg = ctx.wire.final_json();
    let Some((i, ptr, message)) = first else {
        return match final_msg {
            Some(v) if v.get("error").is_some() => "ERR-01",
            Some(v)
                if v.pointer("/result/resultType").and_then(|r| r.as_str())
                    == Some("input_required") =>
            {
                "MRTR-03"
            }
            Some(_) => by_method(ctx.method.unwrap_or("")),
            None => "STATELESS-20",
        };
    };
    let msg = ctx.wire.messages[*i].json();
    if ctx.notification {
        // Anything that looks like an answer to a notification breaks the no-answer rule.
        return "STATELESS-21";
    }
    if Some(*i) != ctx.wire.final_index {
        let method = msg.and_then(|m| m.get("method")).and_then(|m| m.as_str());
        let tasks_ack = method == Some("notifications/subscriptions/acknowledged")
            && ptr.starts_with("/params/notifications/taskIds");
        return if ctx.wire.messages[*i].is_request() {
            "STATELESS-22"
        } else if method == Some("notifications/tasks") || tasks_ack {
            "TASKS-23"
        } else {
            "STATELESS-20"
        };
    }
    if ptr.starts_with("/result/capabilities/extensions/io.modelcontextprotocol~1tasks") {
        return "TASKS-01";
    }
    // The tasks extension: a handle where none may be, then the extension's own shapes.
    if message.contains(&format!(
        "({})",
        mcpcheck_schemas::TASK_RESULT_TYPE_WRONG_METHOD
    )) {
        return "TASKS-05";
    }
    if message.contains(&format!(
        "({})",
        mcpcheck_schemas::TASK_RESULT_TYPE_UNDECLARED
    )) {
        return "TASKS-02";
    }
    let task_method = ctx.method.is_some_and(|m| m.starts_with("tasks/"));
    let task_handle = msg
        .and_then(|m| m.pointer("/result/resultType"))
        .and_then(|r| r.as_str())
        == Some("task");
    // A wrong `resultType` is the core rule's (STATELESS-10), below, on task methods too.
    if (task_method || task_handle) && ptr.starts_with("/result") && ptr != "/result/resultType" {
        if ptr.starts_with("/result/ttlMs")
            || ptr.starts_with("/result/pollIntervalMs")
            || ptr.starts_with("/result/status")
            || ptr.starts_with("/result/inputRequests")
            || ptr.starts_with("/result/error")
        {
            return "TASKS-23";
        }
        if task_handle {
            return "TASKS-06";
        }
        return by_method(ctx.method.unwrap_or(""));
    }
    let code = msg
        .and_then(|m| m.pointer("/error/code"))
        .and_then(|c| c.as_i64());
    let result_type = msg
        .and_then(|m| m.pointer("/result/resultType"))
        .and_then(|r| r.as_str());
    if ptr == "/result/resultType" {
        let present = msg.and_then(|m| m.pointer("/result/resultType")).is_some();
        return if present {
            "STATELESS-10"
        } else {
            "STATELESS-09"
        };
    }
    if ptr.starts_with("/error/data")
        || (ptr == "/error" && matches!(code, Some(-32021 | -32022)) && message.contains("data"))
    {
        return "ERR-06";
    }
    if ptr.starts_with("/error") {
        return "ERR-01";
    }
    if ptr.starts_with("/result/ttlMs") {
        return "CACHE-02";
    }
    if ptr.starts_with("/result/cacheScope") {
        return "CACHE-03";
    }
    if ptr == "/result" && (message.contains("\"ttlMs\"") || message.contains("\"cacheScope\"")) {
        return "CACHE-01";
    }
    if ptr == "/jsonrpc" || ptr == "/id" || ptr.is_empty() {
        return "STATELESS-20";
    }
    if result_type == Some("input_required") {
        return "MRTR-03";
    }
    let method = ctx.method.unwrap_or("");
    let segs: Vec<&str> = ptr.split('/').collect();
    // /result/tools/N/inputSchema... and /result/messages/N/content...
    if method == "tools/list"
        && segs.len() > 4
        && segs[2] == "tools"
        && (segs[4] == "inputSchema" || segs[4] == "outputSchema")
    {
        return "TOOLS-05";
    }
    if method == "prompts/get" && segs.len() > 4 && segs[2] == "messages" && segs[4] == "content" {
        return "PROMPT-05";
    }
    if method == "tools/call" && segs.len() > 2 && segs[2] == "content" {
        // Encodings (media type, base64 payloads, embedded resources) are TOOLS-13; the rest of
        // a content block's shape is TOOLS-07.
        let encoding = segs.get(4) == Some(&"resource")
            || ["\"mimeType\"", "\"data\"", "\"blob\""]
                .iter()
                .any(|k| message.contains(k));
        return if encoding { "TOOLS-13" } else { "TOOLS-07" };
    }
    by_method(method)
}

/// Captures whose source is the response's headers: `header:NAME` (first value) or
/// `challenge:PARAM` (a parameter of the Bearer challenge).
fn capture_from_headers(step: &Step, st: &mut ScenarioState, outcome: &HttpOutcome) {
    let headers = outcome.response.as_ref().map(|r| r.headers.as_slice());
    for (name, source) in &step.capture {
        let found = if let Some(h) = source.strip_prefix("header:") {
            headers.and_then(|hs| {
                hs.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(h))
                    .map(|(_, v)| v.clone())
            })
        } else if let Some(p) = source.strip_prefix("challenge:") {
            headers
                .and_then(crate::auth::bearer_challenge)
                .and_then(|c| c.param(p).map(String::from))
        } else {
            continue;
        };
        match found {
            Some(v) => {
                st.vars.insert(name.clone(), json!(v));
            }
            None => {
                st.missing.insert(
                    name.clone(),
                    format!("step {:?} got no {source} to capture", step.name.value),
                );
            }
        }
    }
}

fn worst(checks: &[CheckRecord]) -> Status {
    let rank = |s: Status| match s {
        Status::Fail => 4,
        Status::Error => 3,
        Status::Warn => 2,
        Status::Pass => 1,
        Status::NotApplicable => 0,
    };
    checks
        .iter()
        .map(|c| c.status)
        .max_by_key(|s| rank(*s))
        // A scenario that executed no check is never a pass.
        .unwrap_or(Status::Error)
}

fn set_header(h: &mut Vec<(String, String)>, name: &str, value: Option<String>) {
    h.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    if let Some(v) = value {
        h.push((name.to_string(), v));
    }
}

fn with_path(url: &str, path: &str) -> Result<String, String> {
    let mut u = url::Url::parse(url).map_err(|e| format!("target URL {url:?}: {e}"))?;
    let (p, q) = match path.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path, None),
    };
    u.set_path(p);
    u.set_query(q);
    Ok(u.to_string())
}

fn error_outcome(req: HttpRequest, e: crate::transport::TransportError) -> HttpOutcome {
    HttpOutcome {
        request: req,
        response: None,
        error: Some(e),
        elapsed: std::time::Duration::ZERO,
    }
}

pub fn exchange_record(o: &HttpOutcome) -> Exchange {
    Exchange {
        request: HttpRequestRecord {
            method: o.request.method.clone(),
            url: o.request.url.clone(),
            headers: redact(&o.request.headers),
            body: String::from_utf8_lossy(&o.request.body).into_owned(),
        },
        response: o.response.as_ref().map(|r| {
            let text = r.body_text();
            let truncated = text.chars().count() > RECORD_BODY_LIMIT;
            HttpResponseRecord {
                status: r.status,
                headers: r.headers.clone(),
                body: if truncated {
                    clip(&text, RECORD_BODY_LIMIT)
                } else {
                    text
                },
                truncated,
            }
        }),
        transport_error: o.error.as_ref().map(|e| e.to_string()),
        stderr: o
            .response
            .as_ref()
            .and_then(|r| r.stdio.as_ref())
            .map(|s| s.stderr_tail.clone())
            .filter(|t| !t.is_empty()),
        elapsed_ms: o.elapsed.as_millis() as u64,
    }
}

/// Credentials never reach reports.
fn redact(h: &[(String, String)]) -> Vec<(String, String)> {
    h.iter()
        .map(|(k, v)| {
            if k.eq_ignore_ascii_case("authorization") {
                let scheme = v.split_whitespace().next().unwrap_or("");
                (k.clone(), format!("{scheme} [REDACTED]").trim().to_string())
            } else {
                (k.clone(), v.clone())
            }
        })
        .collect()
}

/// A curl command that replays the request (credentials redacted).
pub fn curl(r: &HttpRequest) -> String {
    if let Some(cmd) = r.url.strip_prefix("stdio: ") {
        return format!(
            "printf '%s\\n' {} | {cmd}",
            shell_quote(&String::from_utf8_lossy(&r.body))
        );
    }
    let mut s = format!("curl -sS -i -X {} {}", r.method, shell_quote(&r.url));
    for (k, v) in redact(&r.headers) {
        s.push_str(&format!(" -H {}", shell_quote(&format!("{k}: {v}"))));
    }
    if !r.body.is_empty() {
        s.push_str(&format!(
            " --data-binary {}",
            shell_quote(&String::from_utf8_lossy(&r.body))
        ));
    }
    s
}

/// Per-scenario state: variables, the scenario's own connection, ids.
pub struct ScenarioState {
    /// Requests sent so far without an explicit `instance` (the round-robin turn).
    pub turn: usize,
    /// The one instance this scenario uses, when it cannot be spread.
    pub pinned: Option<usize>,
    pub vars: BTreeMap<String, Value>,
    /// Captures that failed, with why (so later uses explain themselves).
    pub missing: BTreeMap<String, String>,
    pub client: Option<reqwest::Client>,
    pub next_id: u64,
    /// Open `listen` streams by handle.
    pub listens: BTreeMap<String, ListenRun>,
}

impl ScenarioState {
    fn new(sc: &Scenario, runner: &Runner) -> ScenarioState {
        let mut vars = sc.vars.clone();
        vars.insert("url".into(), json!(runner.opts.url));
        vars.insert("revision".into(), json!(REVISION));
        let mut missing = BTreeMap::new();
        if let Ok(u) = url::Url::parse(&runner.opts.url) {
            vars.insert("origin".into(), json!(crate::auth::origin_of(&u)));
        }
        if let Some((p, root)) = crate::auth::prm_urls(&runner.opts.url) {
            vars.insert("prm_url".into(), json!(p));
            vars.insert("prm_root_url".into(), json!(root));
        }
        let urls = &runner.profile.auth_urls;
        for (k, v) in &urls.vars {
            vars.insert(k.clone(), json!(v));
        }
        for (k, why) in &urls.missing {
            missing.insert(k.clone(), why.clone());
        }
        for k in ["prm_discovered", "as_issuer", "as_metadata_url"] {
            if !vars.contains_key(k) && !missing.contains_key(k) {
                missing.insert(k.to_string(), "the server is not protected".to_string());
            }
        }
        for k in crate::auth::TOKEN_KINDS {
            let name = format!("token_{k}");
            match runner.opts.auth.get(k) {
                Some(t) => {
                    vars.insert(name, json!(t));
                }
                None => {
                    missing.insert(name, runner.opts.auth.why_missing(k));
                }
            }
        }
        ScenarioState {
            turn: 0,
            pinned: None,
            vars,
            missing,
            client: None,
            next_id: 0,
            listens: BTreeMap::new(),
        }
    }

    /// A variable's value, with `|filter` transforms applied: `flip` (change one character in
    /// the middle), `truncate` (drop the last quarter), `append:TEXT`.
    fn lookup(&self, expr: &str) -> Result<Value, String> {
        let mut parts = expr.split('|');
        let name = parts.next().unwrap_or("").trim();
        let mut v = self
            .vars
            .get(name)
            .cloned()
            .ok_or_else(|| match self.missing.get(name) {
                Some(why) => format!("variable `${{{name}}}`{NO_VALUE}{why}"),
                None => format!("variable `${{{name}}}` is not defined"),
            })?;
        for f in parts {
            let f = f.trim();
            let text = match &v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            v = Value::String(match f.split_once(':') {
                Some(("append", tail)) => format!("{text}{tail}"),
                _ if f == "flip" => flip_char(&text),
                _ if f == "truncate" => text.chars().take(text.chars().count() * 3 / 4).collect(),
                _ => {
                    return Err(format!(
                        "unknown filter `{f}` in `${{{expr}}}` (flip, truncate, append:TEXT)"
                    ));
                }
            });
        }
        Ok(v)
    }

    pub fn interpolate_str(&self, s: &str) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            let Some(j) = after.find('}') else {
                out.push_str(&rest[i..]);
                return Ok(out);
            };
            let v = self.lookup(&after[..j])?;
            match v {
                Value::String(s) => out.push_str(&s),
                other => out.push_str(&other.to_string()),
            }
            rest = &after[j + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// A string that is exactly `${name}` becomes the variable's JSON value (with its type);
    /// elsewhere variables are spliced into strings.
    pub fn interpolate(&self, v: &Value) -> Result<Value, String> {
        Ok(match v {
            Value::String(s) => {
                if let Some(name) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}'))
                    && !name.contains("${")
                    && !name.contains('}')
                {
                    return self.lookup(name);
                }
                Value::String(self.interpolate_str(s)?)
            }
            Value::Array(a) => Value::Array(
                a.iter()
                    .map(|x| self.interpolate(x))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(o) => {
                let mut m = Map::new();
                for (k, x) in o {
                    m.insert(self.interpolate_str(k)?, self.interpolate(x)?);
                }
                Value::Object(m)
            }
            other => other.clone(),
        })
    }

    /// A `json` condition with its compared values' variables replaced.
    fn interpolate_json_spec(&self, j: &mut crate::scenario::JsonSpec) -> Result<(), String> {
        for v in [
            &mut j.equals,
            &mut j.not_equals,
            &mut j.contains,
            &mut j.not_contains,
            &mut j.subset_of,
        ]
        .into_iter()
        .flatten()
        {
            *v = self.interpolate(v)?;
        }
        if let Some(list) = &mut j.one_of {
            for v in list.iter_mut() {
                *v = self.interpolate(v)?;
            }
        }
        Ok(())
    }

    fn interpolate_expectation(&self, e: &Expectation) -> Result<Expectation, String> {
        let mut e = e.clone();
        if let Some(j) = &mut e.json {
            self.interpolate_json_spec(j)?;
        }
        if let Some(t) = &mut e.task_transitions
            && let Some(v) = &mut t.from
        {
            *v = self.interpolate(v)?;
        }
        if let Some(h) = &mut e.header
            && let Some(v) = &mut h.equals
        {
            *v = self.interpolate_str(v)?;
        }
        if let Some(d) = &mut e.differs {
            d.left = self.interpolate(&d.left)?;
            d.right = self.interpolate(&d.right)?;
        }
        if let Some(c) = &mut e.challenge {
            for v in [&mut c.equals, &mut c.includes, &mut c.excludes]
                .into_iter()
                .flatten()
            {
                *v = self.interpolate_str(v)?;
            }
        }
        Ok(e)
    }
}

/// One HTTP exchange of a step, with what was sent.
pub struct Exchanged {
    pub outcome: HttpOutcome,
    pub wire: Wire,
    pub method: Option<String>,
    pub sent_id: Option<Value>,
    pub notification: bool,
}

impl Exchanged {
    fn new(
        outcome: HttpOutcome,
        method: Option<String>,
        sent_id: Option<Value>,
        notification: bool,
    ) -> Exchanged {
        let wire = Wire::from_outcome(&outcome);
        Exchanged {
            outcome,
            wire,
            method,
            sent_id,
            notification,
        }
    }
}

/// How long a listen step waits for its stream's first message before the next steps run. A
/// stream that sends none (no acknowledgement) still collects until its `timeout_ms`, so a long
/// bound does not hold the steps that would trigger its notifications.
const LISTEN_ESTABLISH: std::time::Duration = std::time::Duration::from_millis(3000);

/// A `listen` stream collecting in the background until its `await` step.
pub struct ListenRun {
    task: Option<tokio::task::JoinHandle<HttpOutcome>>,
    done: Option<HttpOutcome>,
    method: Option<String>,
    sent_id: Option<Value>,
    /// When the listen step's `timeout_ms` (`bound`) closes the stream at the latest.
    deadline: tokio::time::Instant,
    bound: std::time::Duration,
    stdio: Option<StdioListen>,
    /// The HTTP stream's tap, through which `settle_ms` closes it early.
    tap: Option<Arc<StreamTap>>,
}

/// A subscription on a stdio child: its messages are routed by subscription id.
struct StdioListen {
    sub: crate::stdio::Subscription,
    lines: Vec<String>,
    until: Option<usize>,
    until_method: Option<String>,
    request: HttpRequest,
}

/// A server reached over stdio: the running child and the command that started it.
pub struct StdioTarget {
    pub server: crate::stdio::StdioServer,
    pub command: String,
    pub config: crate::stdio::StdioConfig,
}

impl StdioTarget {
    /// One exchange: the request's body is written as one line; the answer and the notifications
    /// that came with it are read back.
    pub async fn send(
        &self,
        req: HttpRequest,
        default_timeout: std::time::Duration,
    ) -> HttpOutcome {
        let line = String::from_utf8_lossy(&req.body).into_owned();
        let timeout = req.timeout.unwrap_or(default_timeout);
        let ex = self
            .server
            .exchange(&line, req.expect_id.as_ref(), timeout)
            .await;
        let error = ex.error.clone();
        let mut outcome = self.outcome(req, ex.lines, &Value::Null, error);
        if let Some(r) = outcome.response.as_mut().and_then(|r| r.stdio.as_mut()) {
            r.final_index = ex.final_index;
        }
        outcome.elapsed = ex.elapsed;
        outcome
    }

    /// An outcome holding `lines` as read from the child; the final response is the one whose
    /// id is `id` (when not null).
    fn outcome(
        &self,
        req: HttpRequest,
        lines: Vec<String>,
        id: &Value,
        error: Option<String>,
    ) -> HttpOutcome {
        let final_index = (!id.is_null())
            .then(|| {
                lines.iter().position(|l| {
                    serde_json::from_str::<Value>(l).is_ok_and(|v| {
                        v.get("id") == Some(id)
                            && (v.get("result").is_some() || v.get("error").is_some())
                    })
                })
            })
            .flatten();
        let mut request = req;
        request.method = "STDIO".into();
        request.url = format!("stdio: {}", self.command);
        request.headers.clear();
        HttpOutcome {
            request,
            response: Some(crate::transport::HttpResponse {
                status: 0,
                headers: Vec::new(),
                body: lines.join("\n").into_bytes(),
                sse: None,
                stdio: Some(crate::transport::StdioInfo {
                    lines,
                    final_index,
                    framing_problems: self.server.framing_problems(),
                    exited: None,
                    stderr_tail: self.server.stderr_tail(),
                }),
            }),
            error: error.map(crate::transport::TransportError::Broken),
            elapsed: std::time::Duration::ZERO,
        }
    }

    /// Starts a fresh copy of the server, asks `req`, closes its stdin and waits for it to exit.
    pub async fn eof_probe(&self, req: &HttpRequest, timeout_ms: u64) -> HttpOutcome {
        let timeout = std::time::Duration::from_millis(timeout_ms);
        let fresh = match crate::stdio::StdioServer::start(&self.command, self.config.clone()).await
        {
            Ok(s) => s,
            Err(e) => {
                return HttpOutcome {
                    request: req.clone(),
                    response: None,
                    error: Some(crate::transport::TransportError::Connect(e)),
                    elapsed: std::time::Duration::ZERO,
                };
            }
        };
        let line = String::from_utf8_lossy(&req.body).into_owned();
        let ex = fresh
            .exchange(&line, req.expect_id.as_ref(), self.config.request_timeout)
            .await;
        let exited = fresh.close_stdin_and_wait(timeout).await.is_some();
        let stderr_tail = fresh.stderr_tail();
        fresh.shutdown().await;
        let mut request = req.clone();
        request.method = "STDIO".into();
        request.url = format!("stdio (fresh process, then stdin closed): {}", self.command);
        request.headers.clear();
        HttpOutcome {
            request,
            response: Some(crate::transport::HttpResponse {
                status: 0,
                headers: Vec::new(),
                body: ex.lines.join("\n").into_bytes(),
                sse: None,
                stdio: Some(crate::transport::StdioInfo {
                    lines: ex.lines,
                    final_index: ex.final_index,
                    framing_problems: Vec::new(),
                    exited: Some(exited),
                    stderr_tail,
                }),
            }),
            error: ex.error.map(crate::transport::TransportError::Broken),
            elapsed: ex.elapsed,
        }
    }
}

#[derive(Debug, Default)]
pub struct PageWalk {
    pub items: Vec<Value>,
    pub end: PageEnd,
}

#[derive(Debug, Default, PartialEq)]
pub enum PageEnd {
    /// The last page had no `nextCursor`.
    #[default]
    Ended,
    /// Page N handed out a cursor seen before.
    Loop(usize, String),
    /// Still more pages after this many.
    TooMany(usize),
    /// A page was not a usable result.
    Failed(String),
}

fn panic_outcome(e: &tokio::task::JoinError) -> HttpOutcome {
    HttpOutcome {
        request: HttpRequest::new("POST", "", Vec::new(), Vec::new()),
        response: None,
        error: Some(crate::transport::TransportError::Broken(format!(
            "stream task failed: {e}"
        ))),
        elapsed: std::time::Duration::ZERO,
    }
}

/// Prefixes a verdict with which of several exchanges it came from.
fn label(j: Judgement, what: &str, i: usize, n: usize) -> Judgement {
    match j {
        Judgement::Pass { actual } => Judgement::Pass {
            actual: format!("all {n} {what}s: {actual}"),
        },
        Judgement::Fail { expected, actual } => Judgement::Fail {
            expected,
            actual: format!("{what} {i} of {n}: {actual}"),
        },
        Judgement::Error(e) => Judgement::Error(format!("{what} {i} of {n}: {e}")),
    }
}

/// `pages` checks over a whole page walk; returns the verdict and the page to show as evidence.
fn judge_pages(
    p: &PagesSpec,
    walk: Option<&PageWalk>,
    exchanges: &[Exchanged],
) -> (Judgement, usize) {
    let last = exchanges.len().saturating_sub(1);
    let Some(walk) = walk else {
        return (
            Judgement::Error("`pages` needs a paginate step".into()),
            last,
        );
    };
    let fail = |e: &str, a: String| Judgement::Fail {
        expected: e.to_string(),
        actual: a,
    };
    if p.terminates.is_some() {
        let e = "a last page without nextCursor, no cursor handed out twice";
        return match &walk.end {
            PageEnd::Ended => (
                Judgement::Pass {
                    actual: format!("ended after {} page(s)", exchanges.len()),
                },
                last,
            ),
            PageEnd::Loop(n, c) => (
                fail(
                    e,
                    format!("page {n} handed out cursor {c} again: the walk would never end"),
                ),
                last,
            ),
            PageEnd::TooMany(n) => (fail(e, format!("still a nextCursor after {n} pages")), last),
            PageEnd::Failed(why) => (fail(e, why.clone()), last),
        };
    }
    if let Some(n) = p.min_pages {
        let got = exchanges.len();
        return if got >= n {
            (
                Judgement::Pass {
                    actual: format!("{got} page(s)"),
                },
                last,
            )
        } else {
            (
                fail(&format!("at least {n} pages"), format!("{got} page(s)")),
                last,
            )
        };
    }
    if let Some(key) = &p.unique_by {
        let mut seen: Vec<&Value> = Vec::new();
        let mut dups = Vec::new();
        for item in &walk.items {
            match item.pointer(key) {
                Some(k) if seen.contains(&k) => dups.push(k.to_string()),
                Some(k) => seen.push(k),
                None => dups.push(format!("an item without {key}")),
            }
        }
        return if dups.is_empty() {
            (
                Judgement::Pass {
                    actual: format!(
                        "{} distinct item(s) over {} page(s)",
                        seen.len(),
                        exchanges.len()
                    ),
                },
                last,
            )
        } else {
            (
                fail(
                    &format!("each item once (keyed by {key})"),
                    format!("repeated: {}", dups.join(", ")),
                ),
                last,
            )
        };
    }
    if let Some(ptr) = &p.same {
        return judge_same(ptr, exchanges);
    }
    (Judgement::Error("`pages`: no condition".into()), last)
}

/// The value at `ptr` of each exchange's final response is the same in all of them.
fn judge_same(ptr: &str, exchanges: &[Exchanged]) -> (Judgement, usize) {
    let values: Vec<Option<&Value>> = exchanges
        .iter()
        .map(|x| x.wire.final_json().and_then(|v| v.pointer(ptr)))
        .collect();
    let Some(first) = values.first() else {
        return (Judgement::Error("nothing was exchanged".into()), 0);
    };
    let show = |v: &Option<&Value>| v.map_or("absent".to_string(), |v| clip(&v.to_string(), 160));
    match values.iter().position(|v| v != first) {
        None => (
            Judgement::Pass {
                actual: format!("{ptr} equal in all {} exchanges", values.len()),
            },
            0,
        ),
        Some(i) => (
            Judgement::Fail {
                expected: format!("{ptr} equal in every exchange"),
                actual: format!(
                    "exchange 1: {}; exchange {}: {}",
                    show(first),
                    i + 1,
                    show(&values[i])
                ),
            },
            i,
        ),
    }
}

/// Changes one character in the middle of `s` (to a different character of the same class), so
/// a tampered value keeps its length and alphabet.
fn flip_char(s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return "x".into();
    }
    let i = chars.len() / 2;
    chars[i] = match chars[i] {
        'a'..='y' | 'A'..='Y' | '0'..='8' => char::from(chars[i] as u8 + 1),
        'z' => 'a',
        'Z' => 'A',
        '9' => '0',
        _ => 'A',
    };
    chars.into_iter().collect()
}

/// A generic answer to one input request: an accepted form filled from its schema, a short
/// assistant message, or one root.
/// The answer to input request `request` under `key`: by key, else by the request's method,
/// else (when `generic`) one built from the request.
fn answer_for(
    answers: &BTreeMap<String, Value>,
    by_method: &BTreeMap<String, Value>,
    key: &str,
    request: &Value,
    generic: bool,
) -> Option<Value> {
    answers
        .get(key)
        .cloned()
        .or_else(|| {
            let m = request.get("method").and_then(|m| m.as_str())?;
            by_method.get(m).cloned()
        })
        .or_else(|| generic.then(|| generic_answer(request)).flatten())
}

fn generic_answer(request: &Value) -> Option<Value> {
    match request.get("method")?.as_str()? {
        "elicitation/create" => {
            if request.pointer("/params/mode").and_then(|m| m.as_str()) == Some("url") {
                return Some(json!({"action": "accept"}));
            }
            let mut content = Map::new();
            if let Some(props) = request
                .pointer("/params/requestedSchema/properties")
                .and_then(|p| p.as_object())
            {
                for (k, schema) in props {
                    let v = if let Some(e) = schema
                        .get("enum")
                        .and_then(|e| e.as_array())
                        .and_then(|e| e.first())
                    {
                        e.clone()
                    } else if let Some(first) = schema.pointer("/oneOf/0/const") {
                        first.clone()
                    } else {
                        match schema.get("type").and_then(|t| t.as_str()) {
                            Some("boolean") => json!(true),
                            Some("integer") | Some("number") => {
                                json!(schema.get("minimum").cloned().unwrap_or(json!(1)))
                            }
                            Some("array") => json!([]),
                            _ => json!("mcpcheck"),
                        }
                    };
                    content.insert(k.clone(), v);
                }
            }
            Some(json!({"action": "accept", "content": content}))
        }
        "sampling/createMessage" => Some(json!({
            "role": "assistant",
            "content": {"type": "text", "text": "mcpcheck sample answer"},
            "model": "mcpcheck",
            "stopReason": "endTurn"
        })),
        "roots/list" => {
            Some(json!({"roots": [{"uri": "file:///tmp/mcpcheck", "name": "mcpcheck"}]}))
        }
        _ => None,
    }
}

/// What a `poll` step exchanged and observed.
#[derive(Default)]
pub struct PollRun {
    /// Every exchange in order: the polls and the `tasks/update`s between them.
    pub exchanges: Vec<Exchanged>,
    /// What each exchange was.
    pub kinds: Vec<PollKind>,
    /// The state at `state` of each poll's answer.
    pub states: Vec<Option<Value>>,
    pub reached: bool,
    /// Why polling stopped without the condition.
    pub end: String,
    pub elapsed_ms: u64,
    /// The first `inputRequests` key that changed or came back after its answer.
    pub key_problem: Option<String>,
    pub keys_seen: usize,
    pub keys_answered: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollKind {
    Poll,
    Update,
}

impl PollRun {
    fn push(&mut self, kind: PollKind, x: Exchanged) {
        self.kinds.push(kind);
        self.exchanges.push(x);
    }

    fn of(&self, kind: PollKind) -> Vec<&Exchanged> {
        self.kinds
            .iter()
            .zip(&self.exchanges)
            .filter(|(k, _)| **k == kind)
            .map(|(_, x)| x)
            .collect()
    }

    fn attempts(&self) -> usize {
        self.kinds.iter().filter(|k| **k == PollKind::Poll).count()
    }

    fn last_poll(&self) -> Option<&Exchanged> {
        self.of(PollKind::Poll).last().copied()
    }

    /// `states working ×3 → completed (4 attempts, 1 update, 312 ms)`.
    fn summary(&self) -> String {
        let updates = self.exchanges.len() - self.attempts();
        format!(
            "states {} ({} attempt(s), {} update(s), {} ms)",
            state_sequence(&self.states),
            self.attempts(),
            updates,
            self.elapsed_ms
        )
    }
}

fn state_text(v: &Option<Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(v) => clip(&v.to_string(), 40),
        None => "(none)".into(),
    }
}

/// Consecutive equal states folded: `working ×3 → completed`.
pub fn state_sequence(states: &[Option<Value>]) -> String {
    let mut parts: Vec<(String, usize)> = Vec::new();
    for s in states {
        let t = state_text(s);
        match parts.last_mut() {
            Some((last, n)) if *last == t => *n += 1,
            _ => parts.push((t, 1)),
        }
    }
    if parts.is_empty() {
        return "(none observed)".into();
    }
    parts
        .iter()
        .map(|(t, n)| {
            if *n > 1 {
                format!("{t} ×{n}")
            } else {
                t.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" → ")
}

/// The five task statuses, for messages.
fn task_states() -> String {
    TaskStatus::ALL.map(TaskStatus::as_str).join(", ")
}

/// Whether a task may go from `a` to `b` (the extension's state diagram; staying is allowed).
fn task_step_legal(a: TaskStatus, b: TaskStatus) -> bool {
    a == b || !a.is_terminal()
}

/// Judges an observed sequence of task states (`None` where an observation had no state).
/// `from` is the state before the first observation, or a list of states observed before it
/// (e.g. the seed state and an earlier step's answer), oldest first.
pub fn judge_transitions(from: Option<&Value>, states: &[Option<Value>], what: &str) -> Judgement {
    let prior: Vec<&Value> = match from {
        None => Vec::new(),
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v) => vec![v],
    };
    if let Some(bad) = prior
        .iter()
        .find(|v| v.as_str().and_then(TaskStatus::parse).is_none())
    {
        return Judgement::Fail {
            expected: format!(
                "task statuses ({}) before the first observation",
                task_states()
            ),
            actual: format!("a prior state was {}", clip(&bad.to_string(), 80)),
        };
    }
    let mut seq: Vec<Option<Value>> = prior.iter().map(|v| Some((*v).clone())).collect();
    seq.extend(states.iter().cloned());
    let labels: Vec<String> = (0..prior.len())
        .map(|i| {
            if i == 0 {
                "the seed state".to_string()
            } else {
                format!("prior observation {}", i + 1)
            }
        })
        .chain((0..states.len()).map(|i| format!("{what} {}", i + 1)))
        .collect();
    let mut prev: Option<(TaskStatus, &str)> = None;
    let mut observed = 0;
    for (i, s) in seq.iter().enumerate() {
        let Some(Value::String(s)) = s else { continue };
        if i >= prior.len() {
            observed += 1;
        }
        let Some(status) = TaskStatus::parse(s) else {
            return Judgement::Fail {
                expected: format!("a task status ({})", task_states()),
                actual: format!("{}: {s:?}", labels[i]),
            };
        };
        if let Some((p, at)) = prev
            && !task_step_legal(p, status)
        {
            let p = p.as_str();
            return Judgement::Fail {
                expected: "transitions of the task state machine (working ⇄ input_required → completed | failed | cancelled; terminal states never change)".into(),
                actual: format!(
                    "{p} ({at}) → {s} ({}); observed {}",
                    labels[i],
                    state_sequence(&seq)
                ),
            };
        }
        prev = Some((status, labels[i].as_str()));
    }
    if observed == 0 {
        return Judgement::Fail {
            expected: "task states to judge".into(),
            actual: "no observation carried a task status".into(),
        };
    }
    Judgement::Pass {
        actual: format!("legal: {}", state_sequence(&seq)),
    }
}
