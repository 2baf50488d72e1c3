//! The house rules of `src/` (README "Layout", issue 11), checked on the source text so that a
//! change that breaks one fails here, not in a reviewer's memory:
//!
//! * data flows one way: no top-level module of the library imports one that imports it back
//!   (directly or through others), counting `crate::…` paths outside comments and test modules;
//! * `synth` is not on the engine's path: no module outside `synth` names it;
//! * every module opens with a `//!` that says what it owns;
//! * no function over 120 lines and no file over 600 lines of code outside its tests.
//!
//! The checks read text, not the compiler's graph: a `use` written through a re-export counts
//! for the module that re-exports. That is the point: a re-export is an import too.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_FN_LINES: usize = 120;
const MAX_FILE_CODE_LINES: usize = 600;

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The lines of a file before its `#[cfg(test)] mod …` (the code the rules are about).
fn non_test_lines(text: &str) -> Vec<&str> {
    let lines: Vec<&str> = text.lines().collect();
    let end = (0..lines.len())
        .find(|&i| {
            lines[i].trim() == "#[cfg(test)]"
                && lines
                    .get(i + 1)
                    .is_some_and(|l| l.trim_start().starts_with("mod "))
        })
        .unwrap_or(lines.len());
    lines[..end].to_vec()
}

fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with("//")
}

/// The top-level module a file of `src/` belongs to (`None` for the crate roots).
fn top_module(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next()?.as_os_str().to_string_lossy();
    let name = first.trim_end_matches(".rs").to_string();
    (!matches!(name.as_str(), "lib" | "main" | "cli")).then_some(name)
}

/// The top-level modules a code text names through `crate::` (`crate::a::…` and
/// `crate::{a, b::…}`).
fn named_modules(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for item in group.split(',') {
                let name = ident(item.trim());
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Top-level module → the top-level modules its non-test code names.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = src();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in rust_files(&src) {
        let Some(m) = top_module(&src, &f) else {
            continue;
        };
        let text = std::fs::read_to_string(&f).unwrap();
        let code: Vec<&str> = non_test_lines(&text)
            .into_iter()
            .filter(|l| !is_comment(l))
            .collect();
        let mut names = named_modules(&code.join("\n"));
        names.remove(&m);
        graph.entry(m).or_default().extend(names);
    }
    let known: BTreeSet<String> = graph.keys().cloned().collect();
    for deps in graph.values_mut() {
        deps.retain(|d| known.contains(d));
    }
    graph
}

/// A cycle through `start`, if any (depth-first search from it back to it).
fn cycle_through(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    fn dfs(
        graph: &BTreeMap<String, BTreeSet<String>>,
        start: &str,
        at: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in &graph[at] {
            if next == start {
                path.push(next.clone());
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if dfs(graph, start, next, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start.to_string()];
    dfs(graph, start, start, &mut path, &mut BTreeSet::new()).then_some(path)
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let graph = module_graph();
    assert!(graph.len() > 10, "the walk found the modules: {graph:?}");
    let cycles: Vec<String> = graph
        .keys()
        .filter_map(|m| cycle_through(&graph, m))
        .map(|c| c.join(" -> "))
        .collect();
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn synth_is_not_on_the_engines_path() {
    let users: Vec<String> = module_graph()
        .into_iter()
        .filter(|(m, deps)| m != "synth" && deps.contains("synth"))
        .map(|(m, _)| m)
        .collect();
    assert!(users.is_empty(), "modules that import synth: {users:?}");
}

#[test]
fn every_module_says_what_it_owns() {
    let missing: Vec<PathBuf> = rust_files(&src())
        .into_iter()
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            !text.trim_start().starts_with("//!")
        })
        .collect();
    assert!(
        missing.is_empty(),
        "files without a //! header: {missing:?}"
    );
}

/// (lines, name) of each function of a file's non-test code: from its `fn` line to the closing
/// brace at the same indentation.
fn function_lengths(lines: &[&str]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let body = line.trim_start();
        let indent = &line[..line.len() - body.len()];
        let after_vis = body
            .strip_prefix("pub(crate) ")
            .or_else(|| body.strip_prefix("pub(super) "))
            .or_else(|| body.strip_prefix("pub "))
            .unwrap_or(body);
        let after_kw = after_vis
            .strip_prefix("const ")
            .or_else(|| after_vis.strip_prefix("unsafe "))
            .unwrap_or(after_vis);
        let Some(sig) = after_kw.strip_prefix("fn ") else {
            continue;
        };
        if line.trim_end().ends_with(';') {
            continue; // a declaration in a trait
        }
        let close = format!("{indent}}}");
        if let Some(len) = lines[i + 1..].iter().position(|l| *l == close) {
            let name: String = sig
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            out.push((len + 2, name));
        }
    }
    out
}

#[test]
fn functions_and_files_stay_small() {
    let src = src();
    let mut over = Vec::new();
    for f in rust_files(&src) {
        let text = std::fs::read_to_string(&f).unwrap();
        let lines = non_test_lines(&text);
        let rel = f.strip_prefix(&src).unwrap().display().to_string();
        let code = lines
            .iter()
            .filter(|l| !l.trim().is_empty() && !is_comment(l))
            .count();
        if code > MAX_FILE_CODE_LINES {
            over.push(format!("{rel}: {code} lines of code"));
        }
        for (len, name) in function_lengths(&lines) {
            if len > MAX_FN_LINES {
                over.push(format!("{rel}: fn {name} is {len} lines"));
            }
        }
    }
    assert!(
        over.is_empty(),
        "over the house limits:\n{}",
        over.join("\n")
    );
}

#[test]
fn the_checks_can_fail() {
    // A cycle, a crate-path group and a long function, on hand-made inputs.
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    g.insert("a".into(), ["b".to_string()].into());
    g.insert("b".into(), ["c".to_string()].into());
    g.insert("c".into(), ["a".to_string()].into());
    g.insert("d".into(), ["a".to_string()].into());
    assert_eq!(
        cycle_through(&g, "a").unwrap(),
        ["a", "b", "c", "a"].map(String::from)
    );
    assert_eq!(cycle_through(&g, "d"), None);
    let names =
        named_modules("use crate::{error::Result, model::Kind};\nlet x = crate::join::f();");
    assert_eq!(names, ["error", "join", "model"].map(String::from).into());
    let body: Vec<String> = std::iter::once("pub fn long() {".to_string())
        .chain((0..130).map(|k| format!("    let x{k} = {k};")))
        .chain(std::iter::once("}".to_string()))
        .collect();
    let refs: Vec<&str> = body.iter().map(String::as_str).collect();
    assert_eq!(function_lengths(&refs), vec![(132, "long".to_string())]);
}
