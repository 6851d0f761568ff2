//! The layout of `src/` says the architecture, and these checks keep it saying it:
//!
//! - **No import circle.** Modules form a tree (a file or a folder with `mod.rs` each), and a
//!   module may use its ancestors' items; beyond that, no two modules may depend on each other,
//!   directly or round a longer circle. A circle means neither can be read (or changed) without
//!   the other: the client of chapter 6 once needed the dashboard of chapter 18.
//! - **The keyspace is data only**: nothing in `src/server/keyspace/` uses the commands,
//!   dispatch, the client or the dashboard.
//! - **Every file map is complete**: a `mod.rs` that lists its modules in its opening docs names
//!   every one of them.
//!
//! Dependencies are read from the source text: every `crate::a::b` path and every `super::`
//! path, resolved to the longest prefix that is a module. Test modules (`mod tests` at the end
//! of a file) and comments are left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Module = Vec<String>;

/// Every `.rs` file under `src/` except the binaries, by module path.
fn modules() -> BTreeMap<Module, PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                if !path.ends_with("src/bin") {
                    walk(&path, out);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files
        .into_iter()
        .map(|path| {
            let rel = path.strip_prefix(&root).unwrap().with_extension("");
            let mut module: Module = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if module.last().is_some_and(|m| m == "mod" || m == "lib") {
                module.pop();
            }
            (module, path)
        })
        .collect()
}

/// The source without its test module and without comments.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => &text[..],
    };
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths a module's code names: `crate::a::b...` and `super::...::a`, as module paths.
fn paths(module: &Module, code: &str) -> Vec<Module> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut at = 0;
    // Bytes, not `str` slices: the code has multi-byte characters in its strings.
    while at < bytes.len() {
        let rest = &bytes[at..];
        let fresh = at == 0 || !ident(bytes[at - 1]);
        let (base, mut i): (Module, usize) = if fresh && rest.starts_with(b"crate::") {
            (Vec::new(), at + "crate::".len())
        } else if fresh && rest.starts_with(b"super::") {
            let mut base = module.clone();
            let mut i = at;
            while bytes[i..].starts_with(b"super::") {
                base.pop();
                i += "super::".len();
            }
            (base, i)
        } else {
            at += 1;
            continue;
        };
        let mut path = base;
        loop {
            let start = i;
            while i < bytes.len() && ident(bytes[i]) {
                i += 1;
            }
            if i == start {
                break;
            }
            path.push(String::from_utf8_lossy(&bytes[start..i]).into_owned());
            if bytes[i..].starts_with(b"::") {
                i += 2;
            } else {
                break;
            }
        }
        out.push(path);
        at = i.max(at + 1);
    }
    out
}

/// Each module's dependencies on other modules (not on itself or its ancestors).
fn graph() -> BTreeMap<Module, BTreeSet<Module>> {
    let modules = modules();
    let resolve = |path: &Module| -> Option<Module> {
        (1..=path.len())
            .rev()
            .map(|n| path[..n].to_vec())
            .find(|prefix| modules.contains_key(prefix))
    };
    modules
        .iter()
        .map(|(module, file)| {
            let deps = paths(module, &code(file))
                .iter()
                .filter_map(resolve)
                .filter(|dep| !module.starts_with(dep))
                .collect();
            (module.clone(), deps)
        })
        .collect()
}

fn name(module: &Module) -> String {
    if module.is_empty() {
        "crate".into()
    } else {
        module.join("::")
    }
}

/// Break checked: `use crate::server::blocking::Unblock;` in `server/client.rs` (client →
/// blocking → command → client, as when `Blocked` lived in `blocking.rs`) → the circle is
/// named, fails.
#[test]
fn no_two_modules_depend_on_each_other_round_a_circle() {
    let graph = graph();
    // Tarjan's strongly connected components: any of more than one module is a circle.
    struct Search<'g> {
        graph: &'g BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'g Module, usize>,
        low: BTreeMap<&'g Module, usize>,
        stack: Vec<&'g Module>,
        circles: Vec<Vec<String>>,
    }
    impl<'g> Search<'g> {
        fn visit(&mut self, v: &'g Module) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            for w in self.graph.get(v).into_iter().flatten() {
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[w].min(self.low[v]);
                    self.low.insert(v, low);
                } else if self.stack.contains(&w) {
                    let low = self.index[w].min(self.low[v]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut circle = Vec::new();
                while let Some(w) = self.stack.pop() {
                    circle.push(name(w));
                    if w == v {
                        break;
                    }
                }
                if circle.len() > 1 {
                    circle.sort();
                    self.circles.push(circle);
                }
            }
        }
    }
    let mut search = Search {
        graph: &graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        circles: Vec::new(),
    };
    for v in graph.keys() {
        if !search.index.contains_key(v) {
            search.visit(v);
        }
    }
    assert!(
        search.circles.is_empty(),
        "modules that depend on each other: {:?}",
        search.circles
    );
}

/// Break checked: `use crate::server::command::Exec;` added to `keyspace/db.rs` → fails.
#[test]
fn the_keyspace_uses_nothing_of_the_commands_or_the_clients() {
    let forbidden = ["commands", "command", "client", "blocking", "dashboard"];
    let mut found = Vec::new();
    for (module, deps) in graph() {
        if !module.starts_with(&["server".to_string(), "keyspace".to_string()]) {
            continue;
        }
        for dep in deps {
            if dep.len() >= 2 && dep[0] == "server" && forbidden.contains(&dep[1].as_str()) {
                found.push(format!("{} uses {}", name(&module), name(&dep)));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

/// Break checked: the `waiters` row taken out of `keyspace/mod.rs`'s table → fails.
#[test]
fn every_file_map_names_every_module() {
    let modules = modules();
    let mut missing = Vec::new();
    for (module, file) in &modules {
        if !file.ends_with("mod.rs") {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        let docs: String = text
            .lines()
            .take_while(|l| l.starts_with("//!"))
            .collect::<Vec<_>>()
            .join("\n");
        // Only a module whose docs carry a map (a table of its modules) is held to it.
        if !docs.contains("| module |") {
            continue;
        }
        for child in modules.keys() {
            let is_child = child.len() == module.len() + 1 && child.starts_with(module);
            if is_child && !docs.contains(&format!("[`{}`]", child[module.len()])) {
                missing.push(format!("{} does not name {}", file.display(), name(child)));
            }
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
}
