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
    ConnectionMode, Expectation, RawSpec, RequestSpec, Requirement, Scenario, Step, check_id,
};
use crate::transport::{HttpOutcome, HttpRequest, Transport};
use crate::util::{clip, shell_quote};
use crate::wire::{Wire, encode_header_value, param_header_value, x_mcp_headers};

pub const REVISION: &str = mcpcheck_schemas::REVISION;

/// Variables every scenario can use.
pub const BUILTIN_VARS: &[&str] = &["url", "revision"];

/// Recorded response bodies are cut to this many characters.
const RECORD_BODY_LIMIT: usize = 8 * 1024;

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub url: String,
    pub strict: bool,
    pub concurrency: usize,
    /// Official fixture name → the server's own name.
    pub fixtures: BTreeMap<String, String>,
    /// Headers added to every request (e.g. authorization), before scenario overrides.
    pub extra_headers: Vec<(String, String)>,
    pub client_name: String,
    pub client_version: String,
}

impl RunOptions {
    /// Defaults for a run against `url`.
    pub fn new(url: impl Into<String>) -> RunOptions {
        RunOptions {
            url: url.into(),
            strict: false,
            concurrency: 8,
            fixtures: BTreeMap::new(),
            extra_headers: Vec::new(),
            client_name: "mcpcheck".into(),
            client_version: env!("CARGO_PKG_VERSION").into(),
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
        let mut runner = Runner {
            opts,
            transport,
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
        h
    }

    fn rpc(&self, id: u64, method: &str, params: Value) -> HttpRequest {
        let mut p = params;
        if let Value::Object(o) = &mut p {
            o.insert("_meta".into(), Value::Object(self.baseline_meta()));
        }
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": p});
        HttpRequest {
            method: "POST".into(),
            url: self.opts.url.clone(),
            headers: self.baseline_headers(method, Some(&body["params"])),
            body: serde_json::to_vec(&body).expect("serialises"),
            expect_id: Some(json!(id)),
        }
    }

    async fn probe(&self) -> Result<Profile, Unreachable> {
        let mut profile = Profile::default();
        let out = self
            .transport
            .send(self.rpc(0, "server/discover", json!({})))
            .await;
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
            let out = self
                .transport
                .send(self.rpc(page + 1, method, params))
                .await;
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
            Requirement::Extension(e) => match p.capabilities() {
                Some(c) if c.get("extensions").and_then(|x| x.get(e)).is_some() => None,
                Some(_) => Some(format!("the server does not declare the extension `{e}`")),
                None => Some(cap_problem()),
            },
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
        let n = self.opts.concurrency.max(1);
        futures_util::stream::iter(scenarios.iter().cloned())
            .map(|s| {
                let me = Arc::clone(self);
                async move { me.run_scenario(&s).await }
            })
            .buffered(n)
            .collect()
            .await
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
            for step in &sc.steps {
                self.run_step(sc, step, &mut ctx, &mut checks).await;
            }
        }
        let status = worst(&checks);
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

    async fn run_step(
        &self,
        sc: &Scenario,
        step: &Step,
        st: &mut ScenarioState,
        out: &mut Vec<CheckRecord>,
    ) {
        let built = match (&step.request, &step.raw) {
            (Some(r), _) => self.build_request(r, st),
            (_, Some(r)) => self.build_raw(r, st),
            _ => Err("step has neither request nor raw".into()),
        };
        let (req, method, sent_id, mode) = match built {
            Ok(b) => b,
            Err(why) => {
                for e in &step.expect {
                    out.push(self.record(
                        sc,
                        step,
                        &e.value,
                        Status::Error,
                        why.clone(),
                        None,
                        None,
                        None,
                    ));
                }
                return;
            }
        };
        let outcome = match mode {
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
        };
        let wire = Wire::from_outcome(&outcome);
        let tool_name = (method.as_deref() == Some("tools/call"))
            .then(|| serde_json::from_slice::<Value>(&outcome.request.body).ok())
            .flatten()
            .and_then(|b| {
                b.pointer("/params/name")
                    .and_then(|n| n.as_str())
                    .map(String::from)
            });
        let tool_def = tool_name.as_deref().and_then(|n| self.profile.tool(n));
        let ctx = Ctx {
            outcome: &outcome,
            wire: &wire,
            sent_id: sent_id.as_ref(),
            method: method.as_deref(),
            tool: tool_def,
            notification: sent_id.is_none()
                && step.request.as_ref().is_some_and(|r| r.notification),
        };
        for e in &step.expect {
            let (judgement, used) = match st.interpolate_expectation(&e.value) {
                Ok(x) => match checks::not_applicable(&x, &ctx) {
                    Some(why) => {
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
                    }
                    None => (checks::evaluate(&x, &ctx), x),
                },
                Err(why) => (Judgement::Error(why), e.value.clone()),
            };
            out.push(self.judged(sc, step, &used, judgement, &outcome));
        }
        self.wire_schema_check(sc, step, &ctx, out);
        // Captures read the final response.
        if let Some(v) = wire.final_json() {
            for (name, ptr) in &step.capture {
                if let Some(x) = v.pointer(ptr) {
                    st.vars.insert(name.clone(), x.clone());
                } else {
                    st.missing.insert(
                        name.clone(),
                        format!("step {:?} found nothing at {ptr}", step.name.value),
                    );
                }
            }
        } else {
            for name in step.capture.keys() {
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

    /// Every message the server sent is validated against the revision's schema: one automatic
    /// check per step that received any JSON-RPC message.
    fn wire_schema_check(&self, sc: &Scenario, step: &Step, ctx: &Ctx, out: &mut Vec<CheckRecord>) {
        if ctx.wire.messages.is_empty() {
            return;
        }
        let problems = checks::schema_problems(ctx);
        let requirement = schema_requirement(ctx, problems.first());
        let e = Expectation {
            req: requirement.to_string(),
            id: Some(format!(
                "{}/wire-schema",
                crate::scenario::slug(&step.name.value)
            )),
            schema_valid: Some(true),
            ..Default::default()
        };
        let judgement = if problems.is_empty() {
            Judgement::Pass {
                actual: format!("{} message(s) valid", ctx.wire.messages.len()),
            }
        } else {
            Judgement::Fail {
                expected: "every message valid against the revision's schema".into(),
                actual: checks::summarize(&problems),
            }
        };
        out.push(self.judged(sc, step, &e, judgement, ctx.outcome));
    }

    fn judged(
        &self,
        sc: &Scenario,
        step: &Step,
        e: &Expectation,
        j: Judgement,
        outcome: &HttpOutcome,
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
        let keep_evidence = status != Status::Pass;
        let mut rec = self.record(sc, step, e, status, message, expected, actual, None);
        if keep_evidence {
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
        let req = HttpRequest {
            method: "POST".into(),
            url: self.opts.url.clone(),
            headers,
            body: serde_json::to_vec(&Value::Object(body)).expect("serialises"),
            expect_id: id.clone(),
        };
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
        let body = match (&r.body, &body_json) {
            (Some(b), _) => st.interpolate_str(b)?.into_bytes(),
            (None, Some(j)) => serde_json::to_vec(j).expect("serialises"),
            (None, None) => Vec::new(),
        };
        let method_in_body = body_json
            .as_ref()
            .and_then(|j| j.get("method"))
            .and_then(|m| m.as_str())
            .map(String::from);
        let mut headers = match &r.baseline_method {
            Some(m) => self.baseline_headers(m, body_json.as_ref().and_then(|j| j.get("params"))),
            None => Vec::new(),
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
        let url = match &r.path {
            Some(p) => with_path(&self.opts.url, &st.interpolate_str(p)?)?,
            None => self.opts.url.clone(),
        };
        let id = body_json.as_ref().and_then(|j| j.get("id")).cloned();
        let req = HttpRequest {
            method: r.method.clone().unwrap_or_else(|| "POST".into()),
            url,
            headers,
            body,
            expect_id: id.clone(),
        };
        let method = method_in_body.or_else(|| r.baseline_method.clone());
        Ok((req, method, id, r.connection))
    }

    /// Official fixture names in scenarios are bound to the server's own names (config file).
    fn apply_fixture_names(&self, method: &str, params: &mut Map<String, Value>) {
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

/// Which requirement a schema verdict is about.
fn schema_requirement(ctx: &Ctx, first: Option<&(usize, String, String)>) -> &'static str {
    let by_method = |m: &str| match m {
        "server/discover" => "STATELESS-12",
        "tools/list" => "TOOLS-02",
        "tools/call" => "TOOLS-07",
        "resources/list" => "RES-02",
        "resources/templates/list" => "RES-03",
        "resources/read" => "RES-04",
        "prompts/list" => "PROMPT-02",
        "prompts/get" => "PROMPT-03",
        "completion/complete" => "COMPL-02",
        _ => "STATELESS-20",
    };
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
        return if ctx.wire.messages[*i].is_request() {
            "STATELESS-22"
        } else {
            "STATELESS-20"
        };
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
    pub vars: BTreeMap<String, Value>,
    /// Captures that failed, with why (so later uses explain themselves).
    pub missing: BTreeMap<String, String>,
    pub client: Option<reqwest::Client>,
    pub next_id: u64,
}

impl ScenarioState {
    fn new(sc: &Scenario, runner: &Runner) -> ScenarioState {
        let mut vars = sc.vars.clone();
        vars.insert("url".into(), json!(runner.opts.url));
        vars.insert("revision".into(), json!(REVISION));
        ScenarioState {
            vars,
            missing: BTreeMap::new(),
            client: None,
            next_id: 0,
        }
    }

    fn lookup(&self, name: &str) -> Result<&Value, String> {
        self.vars
            .get(name)
            .ok_or_else(|| match self.missing.get(name) {
                Some(why) => format!("variable `${{{name}}}` has no value: {why}"),
                None => format!("variable `${{{name}}}` is not defined"),
            })
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
                Value::String(s) => out.push_str(s),
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
                    return self.lookup(name).cloned();
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

    fn interpolate_expectation(&self, e: &Expectation) -> Result<Expectation, String> {
        let mut e = e.clone();
        if let Some(j) = &mut e.json {
            for v in [
                &mut j.equals,
                &mut j.not_equals,
                &mut j.contains,
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
        }
        if let Some(h) = &mut e.header
            && let Some(v) = &mut h.equals
        {
            *v = self.interpolate_str(v)?;
        }
        Ok(e)
    }
}
