//! The top-level modules of drip-runtime and drip-emulator each form an acyclic graph: no
//! module reaches itself through `crate::` references. The layerings are documented in
//! ARCHITECTURE.md; `cargo test --test module_graph -- --nocapture` prints both graphs.
//!
//! The scanner (`module_graph`, `find_cycles`) takes only a `src` path, so the same code checks
//! any crate of the workspace.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Top-level module → the other top-level modules its non-comment lines name as `crate::x`
/// (also inside `crate::{x, y::z}` groups). A module is a file `x.rs` or a directory `x/`
/// (both together count as one); the crate roots `lib.rs` and `main.rs` and `src/bin` are not
/// modules of the graph.
fn module_graph(src: &Path) -> std::io::Result<BTreeMap<String, BTreeSet<String>>> {
    let mut files: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for entry in fs::read_dir(src)? {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if path.is_dir() {
            if name != "bin" {
                let list = files.entry(name.to_owned()).or_default();
                collect_rs(&path, list)?;
            }
        } else if let Some(stem) = name.strip_suffix(".rs")
            && stem != "lib"
            && stem != "main"
        {
            files.entry(stem.to_owned()).or_default().push(path.clone());
        }
    }
    let modules: BTreeSet<String> = files.keys().cloned().collect();
    let mut graph = BTreeMap::new();
    for (module, paths) in &files {
        let mut uses = BTreeSet::new();
        for path in paths {
            for line in fs::read_to_string(path)?.lines() {
                if line.trim_start().starts_with("//") {
                    continue;
                }
                for name in crate_refs(line) {
                    if name != *module && modules.contains(&name) {
                        uses.insert(name);
                    }
                }
            }
        }
        graph.insert(module.clone(), uses);
    }
    Ok(graph)
}

/// Every `.rs` file under `dir`, recursively.
fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_rs(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// The first path segment after each `crate::` in `line`; for `crate::{a, b::c}`, `a` and `b`.
fn crate_refs(line: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut names = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        // `$crate::` and `mycrate::` are other paths.
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0usize;
            let mut item_start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    _ if item_start && !c.is_whitespace() => {
                        names.push(ident(&group[i..]));
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            names.push(ident(rest));
        }
    }
    names.retain(|n| !n.is_empty());
    names
}

/// Every cycle closed by a back edge of a depth-first walk, as the modules along it (first
/// module repeated at the end). Empty when the graph is acyclic.
fn find_cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    fn visit<'a>(
        node: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        marks: &mut BTreeMap<&'a str, Mark>,
        path: &mut Vec<&'a str>,
        cycles: &mut Vec<Vec<String>>,
    ) {
        marks.insert(node, Mark::OnPath);
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            match marks.get(next.as_str()).copied().unwrap_or(Mark::New) {
                Mark::New => visit(next, graph, marks, path, cycles),
                Mark::OnPath => {
                    let from = path.iter().position(|m| m == next).unwrap_or(0);
                    let mut cycle: Vec<String> =
                        path[from..].iter().map(|m| (*m).to_owned()).collect();
                    cycle.push(next.clone());
                    cycles.push(cycle);
                }
                Mark::Done => {}
            }
        }
        path.pop();
        marks.insert(node, Mark::Done);
    }
    let mut marks = BTreeMap::new();
    let mut cycles = Vec::new();
    for node in graph.keys() {
        if marks.get(node.as_str()).copied().unwrap_or(Mark::New) == Mark::New {
            visit(node, graph, &mut marks, &mut Vec::new(), &mut cycles);
        }
    }
    cycles
}

/// Fails naming every cycle among the top-level modules of `krate`.
fn assert_acyclic(krate: &str) -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(krate)
        .join("src");
    let graph = module_graph(&src).expect("read src/");
    for (module, uses) in &graph {
        println!("{krate}: {module} -> {uses:?}");
    }
    let cycles = find_cycles(&graph);
    let shown: Vec<String> = cycles.iter().map(|c| c.join(" → ")).collect();
    assert!(
        cycles.is_empty(),
        "module cycles in {}:\n{}",
        src.display(),
        shown.join("\n")
    );
    graph
}

#[test]
fn the_runtime_modules_form_no_cycle() {
    let graph = assert_acyclic("drip-runtime");
    assert!(
        graph["context"].contains("runtime"),
        "the scanner sees context → runtime"
    );
}

#[test]
fn the_emulator_modules_form_no_cycle() {
    let graph = assert_acyclic("drip-emulator");
    assert!(
        graph["api"].contains("store"),
        "the scanner sees api → store"
    );
}

/// The scanner finds a cycle through a directory module and a grouped import, and ignores
/// comments, `$crate::` and names that are not modules.
#[test]
fn the_scanner_names_a_cycle() {
    let dir = std::env::temp_dir().join(format!("drip-module-graph-{}", std::process::id()));
    let src = dir.join("src");
    fs::create_dir_all(src.join("b")).expect("create temp src");
    let write = |path: &str, text: &str| fs::write(src.join(path), text).expect("write temp file");
    write("lib.rs", "mod a; mod b; mod c;\nuse crate::a::X;\n");
    write(
        "a.rs",
        "use crate::{b::Y, std_like};\n// crate::c in a comment\n",
    );
    write("b/mod.rs", "mod inner;\n");
    write("b/inner.rs", "fn f() { crate::a::g(); $crate::c::h(); }\n");
    write("c.rs", "/// crate::a\nfn h() {}\n");
    let graph = module_graph(&src);
    let _ = fs::remove_dir_all(&dir);
    let graph = graph.expect("scan temp src");
    assert_eq!(graph["a"], BTreeSet::from(["b".to_owned()]));
    assert_eq!(graph["b"], BTreeSet::from(["a".to_owned()]));
    assert!(graph["c"].is_empty());
    assert_eq!(find_cycles(&graph), vec![vec!["a", "b", "a"]]);
}
