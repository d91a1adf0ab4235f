// Small loader for the per-stage vector files in this directory (see README.md). Shared by the unit tests
// (`src/test_vectors.rs`) and the integration tests (`tests/it/main.rs`) through `#[path]`.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

/// The directory holding the cases.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests").join("vectors")
}

/// Every case directory name, sorted.
pub fn all_cases() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// One case.
pub struct Case {
    pub name: String,
    dir: PathBuf,
}

/// The request in `request.txt`.
pub struct Request {
    pub method: String,
    pub target: String,
    pub host: String,
    pub body: Vec<u8>,
}

impl Case {
    pub fn load(name: &str) -> Self {
        let dir = root().join(name);
        assert!(dir.is_dir(), "no vector case {name}");
        Self { name: name.to_owned(), dir }
    }

    /// A stage file, with at most one trailing newline removed.
    pub fn text(&self, file: &str) -> String {
        self.opt_text(file).unwrap_or_else(|| panic!("{}/{file} missing", self.name))
    }

    pub fn opt_text(&self, file: &str) -> Option<String> {
        let s = std::fs::read_to_string(self.dir.join(file)).ok()?;
        Some(s.strip_suffix('\n').map(str::to_owned).unwrap_or(s))
    }

    pub fn context(&self) -> serde_json::Value {
        serde_json::from_str(&self.text("context.json")).unwrap()
    }

    pub fn ctx_str(&self, key: &str) -> String {
        self.context()[key].as_str().unwrap_or_else(|| panic!("{}: context.{key}", self.name)).to_owned()
    }

    pub fn time(&self) -> i64 {
        self.context()["time"].as_i64().unwrap()
    }

    pub fn is_jwt(&self) -> bool {
        self.ctx_str("scheme").starts_with("jwt")
    }

    pub fn is_legacy(&self) -> bool {
        self.context()["legacy_request_target"].as_bool().unwrap_or(false)
    }

    pub fn request(&self) -> Request {
        let raw = std::fs::read(self.dir.join("request.txt")).unwrap();
        let split = raw.windows(2).position(|w| w == b"\n\n").expect("blank line in request.txt");
        let head = std::str::from_utf8(&raw[..split]).unwrap();
        let body = raw[split + 2..].to_vec();
        let mut lines = head.lines();
        let mut request_line = lines.next().unwrap().split(' ');
        let method = request_line.next().unwrap().to_owned();
        let target = request_line.next().unwrap().to_owned();
        assert_eq!(request_line.next(), Some("HTTP/1.1"));
        let host = lines.find_map(|l| l.strip_prefix("Host: ")).unwrap().to_owned();
        Request { method, target, host, body }
    }
}
