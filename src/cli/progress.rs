//! Progress bars on standard error, on a terminal only: never with `-q`, never in a pipe or a
//! log (standard error not a terminal), so that what scripts capture is the summary alone.
//!
//! ```text
//!  [1/2] ingest: reading evidence files (7/21 read)  [#####>··········]  12.3/45.1 MB  2.4 s
//!    ⠙ carriers/ontario-tel-PO-2011-117.csv  3.1 MB  0.8 s        one line per file being read
//!    ⠹ vendor/robodial-outbound-2011-04-24_2011-05-02.jsonl  9.9 MB  1.9 s
//!  [2/2] correlate  ⠼  5.0 s                                      then one line per phase
//! ```
//!
//! One thread of ours ticks every bar ten times a second, so that the seconds move while a
//! phase works without telling us anything (`correlate`, a single large file). Ingest's calls
//! ([`callsift::ingest::Progress`]) come from its worker threads.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use super::paint::Paint;
use super::paths::shorten_middle;
use callsift::config::Case;
use callsift::ingest::Phase;

/// How often the bars redraw.
const TICK: Duration = Duration::from_millis(100);

/// Display width of a file's path on its line.
const PATH_WIDTH: usize = 52;

/// The progress of one command: a no-op unless standard error is a terminal and `-q` was not
/// given.
pub struct Progress {
    inner: Option<Arc<Bars>>,
    ticker: Option<std::thread::JoinHandle<()>>,
}

/// The bars themselves.
struct Bars {
    multi: MultiProgress,
    /// The phase line: step, phase, and while files are read a bar of their bytes.
    main: ProgressBar,
    /// What the current step is called, with its number (`[1/2] ingest`).
    step: Mutex<String>,
    /// One spinner per file being read.
    active: Mutex<Vec<(usize, ProgressBar)>>,
    files: Vec<(String, u64)>,
    done_files: AtomicUsize,
    done_bytes: AtomicU64,
    colour: bool,
    stop: AtomicBool,
}

/// A template key that shows the elapsed seconds with one decimal.
fn seconds(state: &ProgressState, w: &mut dyn std::fmt::Write) {
    let _ = write!(w, "{:.1} s", state.elapsed().as_secs_f64());
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1e6)
}

impl Progress {
    /// Progress for a command; `quiet` (`-q`) or a standard error that is not a terminal turns
    /// it off.
    pub fn new(quiet: bool) -> Progress {
        Progress::start(quiet, None)
    }

    /// Progress for a command that reads the evidence files of `case`: one line per file
    /// being read, and a bar of their bytes.
    pub fn for_case(quiet: bool, case: &Case) -> Progress {
        Progress::start(quiet, Some(case))
    }

    fn start(quiet: bool, case: Option<&Case>) -> Progress {
        use std::io::IsTerminal;
        if quiet || !std::io::stderr().is_terminal() {
            return Progress {
                inner: None,
                ticker: None,
            };
        }
        let files = case.map_or_else(Vec::new, |case| {
            case.files
                .iter()
                .map(|f| {
                    let bytes = std::fs::metadata(&f.path).map_or(0, |m| m.len());
                    (shorten_middle(&f.name, PATH_WIDTH), bytes)
                })
                .collect()
        });
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let mut main = ProgressBar::new_spinner();
        if let Some(style) = spinner_style("{prefix}{msg}  {spinner}  {secs}") {
            main = main.with_style(style);
        }
        let main = multi.add(main);
        let bars = Arc::new(Bars {
            multi,
            main,
            step: Mutex::new(String::new()),
            active: Mutex::new(Vec::new()),
            files,
            done_files: AtomicUsize::new(0),
            done_bytes: AtomicU64::new(0),
            colour: Paint::stderr().on(),
            stop: AtomicBool::new(false),
        });
        let t = Arc::clone(&bars);
        let ticker = std::thread::Builder::new()
            .name("progress".into())
            .spawn(move || {
                while !t.stop.load(Ordering::Relaxed) {
                    std::thread::sleep(TICK);
                    t.main.tick();
                    for (_, b) in t
                        .active
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .iter()
                    {
                        b.tick();
                    }
                }
            })
            .ok();
        Progress {
            inner: Some(bars),
            ticker,
        }
    }

    /// Clears the bars (also done when dropped).
    pub fn finish(&mut self) {
        if let Some(b) = self.inner.take() {
            b.stop.store(true, Ordering::Relaxed);
            if let Some(t) = self.ticker.take() {
                let _ = t.join();
            }
            for (_, f) in b
                .active
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .drain(..)
            {
                f.finish_and_clear();
            }
            b.main.finish_and_clear();
            let _ = b.multi.clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

impl Bars {
    fn prefix(&self) -> String {
        let step = self.step.lock().unwrap_or_else(PoisonError::into_inner);
        if self.colour {
            format!("\x1b[1m{step}\x1b[0m")
        } else {
            step.clone()
        }
    }

    /// The main line as a spinner: `[k/n] step: what  ⠙  1.2 s`. (A new style does not draw;
    /// the prefix and message that follow do, so no frame mixes the old and the new.)
    fn spinner(&self, what: Option<&str>) {
        if let Some(style) = spinner_style("{prefix}{msg}  {spinner}  {secs}") {
            self.main.set_style(style);
        }
        self.main.reset_elapsed();
        self.main.set_prefix(self.prefix());
        self.main
            .set_message(what.map_or(String::new(), |w| format!(": {w}")));
    }

    /// The main line as a bar of the bytes of the files read. Length and position first, drawn
    /// as the spinner still; then the style, which draws nothing; then the message, the first
    /// frame of the bar.
    fn reading(&self) {
        let total: u64 = self.files.iter().map(|f| f.1).sum();
        self.main.set_length(total.max(1));
        self.main
            .set_position(self.done_bytes.load(Ordering::Relaxed));
        let bar = if self.colour {
            "{bar:24.cyan/blue}"
        } else {
            "{bar:24}"
        };
        if let Some(style) = spinner_style(&format!("{{prefix}}{{msg}}  [{bar}]  {{mb}}  {{secs}}"))
        {
            self.main.set_style(style.progress_chars("#>·").with_key(
                "mb",
                move |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{}/{} MB", megabytes(s.pos()), megabytes(total));
                },
            ));
        }
        self.main.reset_elapsed();
        self.read_message();
    }

    /// `: reading evidence files (7/21 read)`.
    fn read_message(&self) {
        self.main.set_message(format!(
            ": {} ({}/{} read)",
            Phase::Read.describe(),
            self.done_files.load(Ordering::Relaxed),
            self.files.len()
        ));
    }
}

/// A style from `template`, with the `{secs}` key; `None` if the template were wrong (then the
/// bar keeps its style: progress is never a reason to fail).
fn spinner_style(template: &str) -> Option<ProgressStyle> {
    ProgressStyle::with_template(template)
        .ok()
        .map(|s| s.with_key("secs", seconds))
}

impl callsift::pipeline::Progress for Progress {
    /// A step begins: `[k/n] name` (or `name` when the command has one step).
    fn step(&self, k: usize, n: usize, name: &str) {
        if let Some(b) = &self.inner {
            let s = if n > 1 {
                format!("[{k}/{n}] {name}")
            } else {
                name.to_string()
            };
            *b.step.lock().unwrap_or_else(PoisonError::into_inner) = s;
            b.spinner(None);
        }
    }

    /// A phase of the current step begins (a spinner and its seconds).
    fn doing(&self, what: &str) {
        if let Some(b) = &self.inner {
            b.spinner(Some(what));
        }
    }
}

impl callsift::ingest::Progress for Progress {
    fn phase(&self, phase: Phase) {
        let Some(b) = &self.inner else { return };
        if phase == Phase::Read && !b.files.is_empty() {
            b.reading();
        } else {
            b.spinner(Some(phase.describe()));
        }
    }

    fn file_started(&self, index: usize) {
        let Some(b) = &self.inner else { return };
        let Some((name, bytes)) = b.files.get(index) else {
            return;
        };
        // Built whole before it joins the bars: a bar draws on its own until then.
        let mut bar = ProgressBar::new_spinner();
        if let Some(style) = spinner_style("   {spinner} {msg}  {secs}") {
            bar = bar.with_style(style);
        }
        let bar = b
            .multi
            .add(bar.with_message(format!("{name}  {} MB", megabytes(*bytes))));
        b.active
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((index, bar));
    }

    fn file_done(&self, index: usize) {
        let Some(b) = &self.inner else { return };
        let bar = {
            let mut active = b.active.lock().unwrap_or_else(PoisonError::into_inner);
            active
                .iter()
                .position(|(i, _)| *i == index)
                .map(|k| active.remove(k).1)
        };
        if let Some(bar) = bar {
            bar.finish_and_clear();
            b.multi.remove(&bar);
        }
        let bytes = b.files.get(index).map_or(0, |f| f.1);
        b.done_bytes.fetch_add(bytes, Ordering::Relaxed);
        b.done_files.fetch_add(1, Ordering::Relaxed);
        b.main.set_position(b.done_bytes.load(Ordering::Relaxed));
        b.read_message();
    }
}
