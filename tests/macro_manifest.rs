//! The project's own allowlist extension, end to end: crates with their own
//! `[package.metadata.drip] allowed-metadata = [...]` (tests/fixtures/
//! manifest-extension) are checked by a real `cargo check`, as a user's build
//! would.
//!
//! trybuild cannot give a test crate package metadata, hence the fixture. It is
//! copied into the target dir (with the `drip` path dependency pointed at this
//! repository and our Cargo.lock, so it builds offline with the same versions)
//! and built in a target dir of its own that persists between runs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const FIXTURE: &str = "tests/fixtures/manifest-extension";

/// Copies the fixture workspace, rewriting what must be absolute. Files are
/// only rewritten when their content differs, so incremental builds stay warm.
fn fixture_workspace() -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dest = Path::new(env!("CARGO_TARGET_TMPDIR")).join("manifest-extension");
    let files = [
        "Cargo.toml",
        "allowed/Cargo.toml",
        "allowed/src/lib.rs",
        "denied/Cargo.toml",
        "denied/src/lib.rs",
        "renamed/Cargo.toml",
        "renamed/src/lib.rs",
    ];
    for file in files {
        let text = std::fs::read_to_string(repo.join(FIXTURE).join(file)).expect("fixture file");
        let text = text.replace(
            "path = \"../../..\"",
            &format!("path = {:?}", repo.display().to_string()),
        );
        write_if_changed(&dest.join(file), &text);
    }
    let lock = std::fs::read_to_string(repo.join("Cargo.lock")).expect("workspace Cargo.lock");
    if !dest.join("Cargo.lock").exists() {
        write_if_changed(&dest.join("Cargo.lock"), &lock);
    }
    dest
}

fn write_if_changed(path: &Path, text: &str) {
    if std::fs::read_to_string(path).ok().as_deref() == Some(text) {
        return;
    }
    std::fs::create_dir_all(path.parent().expect("parent dir")).expect("create fixture dir");
    std::fs::write(path, text).expect("write fixture file");
}

fn cargo_check(workspace: &Path, package: &str) -> Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    Command::new(cargo)
        .args(["check", "--offline", "--quiet", "--package", package])
        .arg("--manifest-path")
        .arg(workspace.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", workspace.join("target"))
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .expect("run cargo")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

// One test, so the fixture builds run one after the other in the same target dir.
#[test]
fn project_extension_is_read_from_the_users_manifest() {
    let workspace = fixture_workspace();

    // Keys listed by the project compile in `#[drip::tool]`, `#[drip::run]` and
    // `drip::metadata!`, in whatever case style the manifest or code uses.
    let allowed = cargo_check(&workspace, "fixture-allowed");
    assert!(
        allowed.status.success(),
        "the fixture using listed keys should compile:\n{}",
        stderr(&allowed)
    );

    // A crate that knows drip by another name: `metadata!` finds it through
    // `$crate`, the attributes through `crate = …`; no `::drip` path exists there.
    let renamed = cargo_check(&workspace, "fixture-renamed");
    assert!(
        renamed.status.success(),
        "the macros should work with drip renamed to `telemetry`:\n{}",
        stderr(&renamed)
    );

    // A denied key in the manifest is an error naming the key and the manifest.
    let denied = cargo_check(&workspace, "fixture-denied");
    let text = stderr(&denied);
    assert!(
        !denied.status.success(),
        "listing `user_email` must not compile"
    );
    let manifest = workspace.join("denied").join("Cargo.toml");
    assert!(
        text.contains(&format!(
            "`user_email` is listed in `[package.metadata.drip] allowed-metadata` of {}, but it names personal data",
            manifest.display()
        )),
        "error should name the key and the manifest:\n{text}"
    );
    assert!(
        text.contains("names personal data"),
        "error should say why:\n{text}"
    );
    assert!(
        text.contains(&format!(
            "listing it in {} does not allow it",
            manifest.display()
        )),
        "using the key should explain that the manifest cannot allow it:\n{text}"
    );

    // Removing a key from the manifest makes the code using it fail on the next build.
    let allowed_manifest = workspace.join("allowed").join("Cargo.toml");
    let original = std::fs::read_to_string(&allowed_manifest).expect("manifest");
    let edited = original.replace("\"plan_tier\",", "");
    assert_ne!(original, edited, "the fixture manifest lists plan_tier");
    write_if_changed(&allowed_manifest, &edited);
    let after_edit = cargo_check(&workspace, "fixture-allowed");
    write_if_changed(&allowed_manifest, &original);
    let text = stderr(&after_edit);
    assert!(
        !after_edit.status.success(),
        "plan_tier is no longer listed, the build must fail"
    );
    assert!(
        text.contains("metadata key `plan_tier` is not in the allowlist"),
        "error should name the key:\n{text}"
    );
}
