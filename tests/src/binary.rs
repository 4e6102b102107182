//! The `confab` binary the tests start.

use std::path::PathBuf;

/// The `confab` binary, built from the current sources next to this test binary.
///
/// `cargo test --workspace` does not build it (its package has no integration tests), and a
/// binary left in the target directory by an earlier build may be stale; so the first call runs
/// `cargo build -p confab` with the same cargo, profile and target directory — a no-op when it is
/// up to date.
pub fn confab_binary() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let mut dir = std::env::current_exe().expect("test binary path");
            dir.pop();
            if dir.ends_with("deps") {
                dir.pop();
            }
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            let mut build = std::process::Command::new(cargo);
            build
                .args(["build", "--quiet", "-p", "confab", "--bin", "confab"])
                .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
            if dir.ends_with("release") {
                build.arg("--release");
            }
            if let Some(target) = dir.parent() {
                build.env("CARGO_TARGET_DIR", target);
            }
            let status = build.status().expect("cargo runs");
            assert!(status.success(), "building the confab binary failed");
            let binary = dir.join(format!("confab{}", std::env::consts::EXE_SUFFIX));
            assert!(binary.exists(), "{} was not built", binary.display());
            binary
        })
        .clone()
}
