//! `report.html` opened in a real browser (issue 14, item 8): headless Chromium loads the
//! inquiry fixture's report and a synthetic world's report from disk, as an investigator opens
//! the file, and the test fails on any console error or failed load, on a section or chart
//! that the browser draws empty, and on a page wider than the window; it saves a full-page
//! screenshot of each under `target/browser/` to be looked at.
//!
//! The browser is driven through the DevTools protocol (the protocol Chromium's own tools use)
//! over its WebSocket, with the `tungstenite` client: no driver program, no Node.js.
//!
//! Chromium is found at `$CALLSIFT_CHROMIUM`, else as `chromium`, `chromium-browser`,
//! `google-chrome` on the `PATH`. Without one the test says so on stderr and passes, unless
//! `CALLSIFT_REQUIRE_BROWSER=1` (which `.ci/run` sets once it has installed Debian's
//! `chromium`), when a missing browser is a failure.
//!
//! ```sh
//! cargo test --test browser -- --nocapture   # then look at target/browser/*.png
//! ```

mod common;

use std::io::{BufRead, BufReader, Read};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use callsift::report::SECTIONS;
use common::{code, repo, run, s, stderr};
use serde_json::{json, Value};
use tungstenite::{Message, WebSocket};

/// The window the page is laid out in: a laptop screen's width.
const WIDTH: u64 = 1280;

/// How long any one answer of the browser may take before the test gives up.
const PATIENCE: Duration = Duration::from_secs(90);

/// Where the screenshots go: `target/browser/`.
fn shots() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("browser");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The browser to use, if there is one.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CALLSIFT_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|n| std::env::split_paths(&path).map(move |d| d.join(n)))
        .find(|p| p.is_file())
}

/// A running headless Chromium, killed when dropped.
struct Browser {
    child: Child,
    /// Everything it wrote on stderr after its DevTools address.
    log: Arc<Mutex<String>>,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts Chromium headless with a fresh profile and nothing that reaches the network, and
/// returns it with its DevTools WebSocket address.
fn launch(exe: &Path) -> (Browser, String) {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(exe)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--hide-scrollbars",
            "--remote-debugging-port=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--window-size={WIDTH},900"))
        .arg("about:blank")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", exe.display()));
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let ws = loop {
        let mut line = String::new();
        if err.read_line(&mut line).unwrap_or(0) == 0 {
            let _ = child.kill();
            panic!(
                "{} ended without a DevTools address:\n{seen}",
                exe.display()
            );
        }
        if let Some(at) = line.find("ws://") {
            break line[at..].trim().to_string();
        }
        seen.push_str(&line);
    };
    let log = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&log);
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = err.read_to_string(&mut rest);
        sink.lock().unwrap().push_str(&rest);
    });
    let b = Browser {
        child,
        log,
        _profile: profile,
    };
    (b, ws)
}

/// A DevTools protocol session: commands answered in order, events kept for later.
struct Cdp {
    ws: WebSocket<TcpStream>,
    next: u64,
    events: Vec<Value>,
}

impl Cdp {
    fn connect(url: &str) -> Cdp {
        let host = url
            .trim_start_matches("ws://")
            .split('/')
            .next()
            .unwrap()
            .to_string();
        let tcp = TcpStream::connect(&host).unwrap();
        tcp.set_read_timeout(Some(PATIENCE)).unwrap();
        let (ws, _) = tungstenite::client(url, tcp).unwrap();
        Cdp {
            ws,
            next: 1,
            events: Vec::new(),
        }
    }

    fn read(&mut self) -> Value {
        loop {
            match self.ws.read() {
                Ok(Message::Text(t)) => return serde_json::from_str(&t).unwrap(),
                Ok(_) => continue,
                Err(e) => panic!("the browser did not answer: {e}"),
            }
        }
    }

    /// Sends `method` (to the page's session, if given) and returns its result.
    fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        let id = self.next;
        self.next += 1;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(sid) = session {
            msg["sessionId"] = json!(sid);
        }
        self.ws.send(Message::text(msg.to_string())).unwrap();
        loop {
            let m = self.read();
            if m["id"] == json!(id) {
                if let Some(e) = m.get("error") {
                    panic!("{method}: {e}");
                }
                return m["result"].clone();
            }
            if m.get("method").is_some() {
                self.events.push(m);
            }
        }
    }

    /// Waits for the event `method`, unless it came already.
    fn event(&mut self, method: &str) -> Value {
        if let Some(k) = self.events.iter().position(|e| e["method"] == method) {
            return self.events.remove(k);
        }
        loop {
            let m = self.read();
            if m["method"] == method {
                return m;
            }
            if m.get("method").is_some() {
                self.events.push(m);
            }
        }
    }
}

/// What the page's own layout says, measured by the browser (as JSON).
const MEASURE: &str = r#"(() => {
  const vw = document.documentElement.clientWidth;
  const out = {title: document.title, viewport: vw,
               scroll_width: document.documentElement.scrollWidth,
               height: document.documentElement.scrollHeight,
               sections: [], charts: [], too_wide: []};
  for (const id of IDS) {
    const e = document.getElementById(id);
    const b = e ? e.getBoundingClientRect() : null;
    out.sections.push({id, present: !!e, height: b ? b.height : 0,
                       top: b ? b.top + window.scrollY : 0,
                       text: e ? e.innerText.length : 0});
  }
  for (const svg of document.querySelectorAll('svg.chart')) {
    const b = svg.getBoundingClientRect();
    const marks = [...svg.querySelectorAll('.bar, .cell')];
    const drawn = marks.filter(m => {
      const r = m.getBoundingClientRect();
      return r.width > 0 && r.height > 0;
    }).length;
    out.charts.push({id: svg.id, width: b.width, height: b.height,
                     marks: marks.length, drawn});
  }
  for (const e of document.querySelectorAll('body *')) {
    const r = e.getBoundingClientRect();
    const p = e.parentElement.getBoundingClientRect();
    if (r.right > vw + 1 && p.right <= vw + 1 && !e.parentElement.closest('div.wide')) {
      out.too_wide.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ': ' +
                        (e.textContent || '').trim().slice(0, 80));
    }
  }
  return JSON.stringify(out);
})()"#;

/// Opens `page` in the browser, measures it, saves a full-page screenshot as `name.png`,
/// and returns the measures and every problem the browser reported while loading it.
fn open(cdp: &mut Cdp, page: &Path, name: &str) -> (Value, Vec<String>) {
    let target = cdp.call(None, "Target.createTarget", json!({"url": "about:blank"}));
    let attached = cdp.call(
        None,
        "Target.attachToTarget",
        json!({"targetId": target["targetId"], "flatten": true}),
    );
    let session = attached["sessionId"].as_str().unwrap().to_string();
    let sid = Some(session.as_str());
    for m in ["Page.enable", "Runtime.enable", "Log.enable"] {
        cdp.call(sid, m, json!({}));
    }
    let metrics =
        |h: u64| json!({"width": WIDTH, "height": h, "deviceScaleFactor": 1, "mobile": false});
    cdp.call(sid, "Emulation.setDeviceMetricsOverride", metrics(900));
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let nav = cdp.call(sid, "Page.navigate", json!({"url": url}));
    assert!(nav.get("errorText").is_none(), "{name}: {nav}");
    cdp.event("Page.loadEventFired");

    let ids: Vec<&str> = SECTIONS.iter().map(|(id, _)| *id).collect();
    let expr = MEASURE.replace("IDS", &serde_json::to_string(&ids).unwrap());
    let r = cdp.call(
        sid,
        "Runtime.evaluate",
        json!({"expression": expr, "returnByValue": true}),
    );
    assert!(r.get("exceptionDetails").is_none(), "{name}: {r}");
    let measures: Value = serde_json::from_str(r["result"]["value"].as_str().unwrap()).unwrap();

    // The whole page in one picture, as tall as it is (capped: a picture of a few metres of
    // page is enough to look at).
    let tall = measures["height"].as_u64().unwrap().min(30_000);
    cdp.call(sid, "Emulation.setDeviceMetricsOverride", metrics(tall));
    let shot = cdp.call(sid, "Page.captureScreenshot", json!({"format": "png"}));
    let png = base64::engine::general_purpose::STANDARD
        .decode(shot["data"].as_str().unwrap())
        .unwrap();
    let file = shots().join(format!("{name}.png"));
    std::fs::write(&file, &png).unwrap();
    eprintln!(
        "{name}: screenshot {} ({} bytes)",
        file.display(),
        png.len()
    );
    // And each section on its own, small enough to read when looked at, wherever it is on
    // the page.
    cdp.call(sid, "Emulation.setDeviceMetricsOverride", metrics(900));
    for sec in measures["sections"].as_array().unwrap() {
        let (top, h) = (
            sec["top"].as_f64().unwrap(),
            sec["height"].as_f64().unwrap(),
        );
        if h <= 0.0 {
            continue;
        }
        let clip = json!({"x": 0, "y": top, "width": WIDTH, "height": h.min(6000.0), "scale": 1});
        let shot = cdp.call(
            sid,
            "Page.captureScreenshot",
            json!({"format": "png", "clip": clip, "captureBeyondViewport": true}),
        );
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap())
            .unwrap();
        let id = sec["id"].as_str().unwrap();
        std::fs::write(shots().join(format!("{name}-{id}.png")), &png).unwrap();
    }

    let problems = problems(&cdp.events, &session);
    cdp.call(
        None,
        "Target.closeTarget",
        json!({"targetId": target["targetId"]}),
    );
    (measures, problems)
}

/// The console errors, uncaught exceptions and failed loads among `events` of session `sid`.
fn problems(events: &[Value], sid: &str) -> Vec<String> {
    let mut out = Vec::new();
    for e in events.iter().filter(|e| e["sessionId"] == sid) {
        let p = &e["params"];
        match e["method"].as_str().unwrap_or("") {
            "Runtime.consoleAPICalled"
                if matches!(p["type"].as_str(), Some("error" | "assert")) =>
            {
                out.push(format!("console.{}: {}", p["type"], p["args"]))
            }
            "Runtime.exceptionThrown" => out.push(format!("exception: {}", p["exceptionDetails"])),
            "Log.entryAdded" if matches!(p["entry"]["level"].as_str(), Some("error")) => out.push(
                format!("{} error: {}", p["entry"]["source"], p["entry"]["text"]),
            ),
            _ => {}
        }
    }
    out
}

/// Every check on one report's measures: each section there and not empty, each chart drawn
/// with all its marks, the page no wider than the window, no console error.
fn check(name: &str, m: &Value, problems: &[String], min_charts: usize) {
    assert!(
        problems.is_empty(),
        "{name}: the browser reported {problems:#?}"
    );
    assert!(
        m["title"].as_str().is_some_and(|t| !t.is_empty()),
        "{name}: no title"
    );
    for sec in m["sections"].as_array().unwrap() {
        assert_eq!(
            sec["present"], true,
            "{name}: section {} missing",
            sec["id"]
        );
        assert!(
            sec["height"].as_f64().unwrap() > 40.0 && sec["text"].as_u64().unwrap() > 40,
            "{name}: section {} is drawn empty: {sec}",
            sec["id"]
        );
    }
    let charts = m["charts"].as_array().unwrap();
    assert!(
        charts.len() >= min_charts,
        "{name}: {} charts, expected at least {min_charts}",
        charts.len()
    );
    for c in charts {
        assert!(
            c["width"].as_f64().unwrap() > 200.0 && c["height"].as_f64().unwrap() > 60.0,
            "{name}: chart {} drawn too small: {c}",
            c["id"]
        );
        assert!(
            c["marks"].as_u64().unwrap() > 0 && c["drawn"] == c["marks"],
            "{name}: chart {} has marks the browser did not draw: {c}",
            c["id"]
        );
    }
    assert!(
        m["scroll_width"].as_u64().unwrap() <= m["viewport"].as_u64().unwrap(),
        "{name}: the page is wider than a {WIDTH}px window; what sticks out: {:#?}",
        m["too_wide"]
    );
}

/// Runs the binary with `args` and insists it succeeded.
fn ok(args: &[&str]) {
    let o = run(args);
    assert_eq!(code(&o), 0, "callsift {args:?}: {}", stderr(&o));
}

#[test]
fn reports_open_in_chromium_with_every_section_and_chart_drawn() {
    let Some(exe) = chromium() else {
        assert!(
            std::env::var("CALLSIFT_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "CALLSIFT_REQUIRE_BROWSER=1 but no Chromium was found"
        );
        eprintln!(
            "skipped: no Chromium found (set CALLSIFT_CHROMIUM, or install Debian's chromium); \
             the report was not opened in a browser"
        );
        return;
    };
    let tmp = tempfile::tempdir().unwrap();

    // The inquiry fixture, as the README's first command runs it.
    let inquiry = tmp.path().join("inquiry");
    let case = repo("fixtures/inquiry/case.toml");
    ok(&["run", s(&case), "--out", s(&inquiry), "-q"]);

    // A synthetic world, with its own case file, districts and campaigns.
    let world = tmp.path().join("world");
    let world_out = tmp.path().join("world-out");
    ok(&[
        "synth",
        "--world",
        "hard",
        "--seed",
        "3",
        "--scale",
        "0.02",
        "--out",
        s(&world),
        "-q",
    ]);
    let world_case = world.join("case.toml");
    ok(&["run", s(&world_case), "--out", s(&world_out), "-q"]);

    let (browser, ws) = launch(&exe);
    let mut cdp = Cdp::connect(&ws);
    for (name, dir, min_charts) in [("inquiry", &inquiry, 5), ("synthetic-hard", &world_out, 4)] {
        let (m, problems) = open(&mut cdp, &dir.join("report.html"), name);
        eprintln!(
            "{name}: {} sections, {} charts, {}px tall",
            m["sections"].as_array().unwrap().len(),
            m["charts"].as_array().unwrap().len(),
            m["height"]
        );
        check(name, &m, &problems, min_charts);
    }
    let log = browser.log.lock().unwrap().clone();
    assert!(
        !log.contains("CONSOLE"),
        "the browser logged console messages:\n{log}"
    );
}
