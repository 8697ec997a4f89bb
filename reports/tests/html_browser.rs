//! The HTML report in a real browser: headless Chromium parses it (`--dump-dom`), screenshots it
//! and prints it to PDF, all offline.
//!
//! Chromium comes from `scripts/chromium.sh` (which installs it with apt-get when missing). When
//! it is unavailable the tests skip with a message, except under CI (`CI` set), where they fail:
//! a CI run must not pass without having rendered the report.

mod common;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::*;
use mcpcheck_reports::{RunRecord, html};

/// Longest a single Chromium run may take before it is killed.
const CHROMIUM_TIMEOUT: Duration = Duration::from_secs(60);
/// `chromium.sh` may have to install the package.
const INSTALL_TIMEOUT: Duration = Duration::from_secs(900);

/// Flags every Chromium run needs on a machine without network, GPU or sandbox support.
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("reports/ is inside the workspace")
        .to_path_buf()
}

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "mcpcheck-html-browser-{}-{tag}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What a finished command left behind.
struct Ran {
    success: bool,
    stdout: Vec<u8>,
    stderr: String,
}

/// Runs `cmd` with stdout and stderr going to files in `dir` (Chromium's helper processes may
/// hold pipes open after it exits), killing its process group after `timeout`.
fn run(mut cmd: Command, dir: &Path, name: &str, timeout: Duration) -> Result<Ran, String> {
    let out_path = dir.join(format!("{name}.stdout"));
    let err_path = dir.join(format!("{name}.stderr"));
    let out = File::create(&out_path).map_err(|e| e.to_string())?;
    let err = File::create(&err_path).map_err(|e| e.to_string())?;
    cmd.stdin(Stdio::null()).stdout(out).stderr(err);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Own process group, so a timeout can end Chromium's helpers too.
        cmd.process_group(0);
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(status) => break status,
            None if started.elapsed() > timeout => {
                #[cfg(unix)]
                let _ = Command::new("kill")
                    .args(["-KILL", "--", &format!("-{}", child.id())])
                    .status();
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{name} timed out after {} s and was killed",
                    timeout.as_secs()
                ));
            }
            // Polling interval of the timeout, not synchronisation.
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    Ok(Ran {
        success: status.success(),
        stdout: std::fs::read(&out_path).unwrap_or_default(),
        stderr: std::fs::read_to_string(&err_path).unwrap_or_default(),
    })
}

/// The Chromium binary, or `None` (after saying why) when the test should skip.
fn chromium(dir: &Path) -> Option<PathBuf> {
    // One lookup (and possible install) at a time within this test binary.
    static LOOKUP: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOOKUP.lock().unwrap_or_else(|e| e.into_inner());
    let script = workspace().join("scripts/chromium.sh");
    let found = match run(Command::new(&script), dir, "chromium-sh", INSTALL_TIMEOUT) {
        Ok(r) if r.success => {
            let path = String::from_utf8_lossy(&r.stdout).trim().to_string();
            if path.is_empty() {
                Err("scripts/chromium.sh printed no path".to_string())
            } else {
                Ok(PathBuf::from(path))
            }
        }
        Ok(r) => Err(r.stderr.trim().lines().collect::<Vec<_>>().join("; ")),
        Err(e) => Err(e),
    };
    match found {
        Ok(path) => Some(path),
        Err(reason) => {
            let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
            assert!(
                !ci,
                "chromium not available ({reason}); CI is set, so the browser test must run"
            );
            eprintln!("skipping: chromium not available ({reason})");
            None
        }
    }
}

/// Runs Chromium on `args` with a fresh profile.
fn chromium_run(chromium: &Path, dir: &Path, name: &str, args: &[String]) -> Ran {
    let profile = dir.join(format!("{name}-profile"));
    let mut cmd = Command::new(chromium);
    cmd.args(CHROMIUM_FLAGS)
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args);
    let ran = run(cmd, dir, name, CHROMIUM_TIMEOUT).unwrap_or_else(|e| panic!("{e}"));
    assert!(ran.success, "chromium {name} failed:\n{}", ran.stderr);
    ran
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn write_report(dir: &Path, name: &str, record: &RunRecord) -> (PathBuf, String) {
    let report = html(record);
    let path = dir.join(format!("{name}.html"));
    std::fs::write(&path, &report).expect("write report");
    (path, report)
}

/// Number of elements named `tag` opened in `html`.
fn opened(html: &str, tag: &str) -> usize {
    html.matches(&format!("<{tag} ")).count() + html.matches(&format!("<{tag}>")).count()
}

/// The DOM Chromium built from the report.
fn dump_dom(chromium: &Path, dir: &Path, name: &str, report: &Path) -> String {
    let ran = chromium_run(
        chromium,
        dir,
        name,
        &["--dump-dom".to_string(), file_url(report)],
    );
    String::from_utf8(ran.stdout).expect("DOM is UTF-8")
}

/// The parsed document has exactly the elements the report wrote: no element was implied,
/// moved (foster-parented out of a table) or closed early by the HTML parser.
fn assert_same_elements(source: &str, dom: &str) {
    for tag in [
        "section", "table", "thead", "tbody", "tr", "th", "td", "pre", "details", "summary", "svg",
        "rect", "text", "dl", "dt", "dd", "ul", "li", "div", "p", "a", "code", "span", "h1", "h2",
        "h3",
    ] {
        assert_eq!(
            opened(source, tag),
            opened(dom, tag),
            "<{tag}> elements differ between the report and the parsed DOM"
        );
    }
}

/// Width and height from the IHDR chunk of a PNG.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(png.len() > 24, "PNG too short");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&png[12..16], b"IHDR", "first chunk is IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&png[16..20]), be(&png[20..24]))
}

#[test]
fn fuzz_report_renders_in_chromium() {
    let tmp = TempDir::new("fuzz");
    let Some(chromium) = chromium(tmp.path()) else {
        return;
    };
    let record = fuzz_fixture();
    let (path, source) = write_report(tmp.path(), "fuzz", &record);

    let dom = dump_dom(&chromium, tmp.path(), "fuzz-dom", &path);
    assert!(
        dom.contains("<span class=\"verdict-v\">FAIL</span>"),
        "verdict"
    );
    for q in &record.requirements {
        assert!(
            dom.contains(&format!("<tr id=\"req-{}\"", q.id)),
            "row {}",
            q.id
        );
    }
    assert!(dom.contains("<tr id=\"req-STATELESS-20\""));
    assert!(dom.contains("<svg class=\"chart\" role=\"img\""));
    assert!(dom.contains("<section id=\"fuzz\">"));
    assert!(dom.contains("fuzz-server-error-tools-call"));
    assert!(!dom.contains("<script"));
    assert_same_elements(&source, &dom);

    // The screenshot script, at the size the brief's reviewers look at.
    let png_path = tmp.path().join("fuzz.png");
    let mut cmd = Command::new(workspace().join("scripts/screenshot-report.sh"));
    cmd.arg(&path).arg(&png_path).arg("1280x4000");
    let ran = run(cmd, tmp.path(), "screenshot-sh", CHROMIUM_TIMEOUT * 2)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(ran.success, "screenshot-report.sh failed:\n{}", ran.stderr);
    let png = std::fs::read(&png_path).expect("screenshot written");
    assert_eq!(png_size(&png), (1280, 4000));
    // A blank page of that size compresses to about 15 KB; the report is far busier.
    assert!(
        png.len() > 100_000,
        "screenshot looks blank: {} bytes",
        png.len()
    );
}

#[test]
fn baseline_report_renders_screenshots_and_prints() {
    let tmp = TempDir::new("baseline");
    let Some(chromium) = chromium(tmp.path()) else {
        return;
    };
    let record = baseline_fixture();
    let (path, source) = write_report(tmp.path(), "baseline", &record);

    let dom = dump_dom(&chromium, tmp.path(), "baseline-dom", &path);
    let b = record.baseline.as_ref().unwrap();
    let stale = mcpcheck_reports::baseline::stale_message(&b.file, &b.stale[0]);
    assert!(dom.contains(&stale), "stale message");
    assert!(dom.contains("expected failure (baseline baseline.yaml line 2)"));
    assert!(dom.contains("<tr id=\"req-STATELESS-02\""));
    assert!(dom.contains("<svg class=\"chart\" role=\"img\""));
    assert_same_elements(&source, &dom);

    // Chromium directly, at another size: the PNG is exactly the window.
    let png_path = tmp.path().join("baseline.png");
    chromium_run(
        &chromium,
        tmp.path(),
        "baseline-png",
        &[
            format!("--screenshot={}", png_path.display()),
            "--window-size=1024,1500".to_string(),
            file_url(&path),
        ],
    );
    let png = std::fs::read(&png_path).expect("screenshot written");
    assert_eq!(png_size(&png), (1024, 1500));
    assert!(
        png.len() > 30_000,
        "screenshot looks blank: {} bytes",
        png.len()
    );

    // Print to PDF (the @media print rules): a multi-page document.
    let pdf_path = tmp.path().join("baseline.pdf");
    chromium_run(
        &chromium,
        tmp.path(),
        "baseline-pdf",
        &[
            format!("--print-to-pdf={}", pdf_path.display()),
            "--no-pdf-header-footer".to_string(),
            file_url(&path),
        ],
    );
    let pdf = std::fs::read(&pdf_path).expect("PDF written");
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    assert!(pdf.len() > 20_000, "PDF looks empty: {} bytes", pdf.len());
    let pages = pdf.windows(11).filter(|w| w == b"/Type /Page").count()
        + pdf.windows(10).filter(|w| w == b"/Type/Page").count();
    assert!(pages >= 2, "expected several pages, found {pages}");
}
