//! Configuration from the environment: a key in the environment alone starts
//! nothing (a test binary run in a shell holding a production key bills no
//! one); `drip::init(Config::from_env())` does, logs one INFO line, and hands
//! out the client it built.
//!
//! One test only: it sets process environment variables and the global
//! tracing subscriber.

use drip_emulator::Emulator;
use std::sync::Arc;
use std::time::Duration;

#[drip::tool]
async fn lookup(n: u32) -> u32 {
    n * 2
}

#[drip::run(customer = "cus_env", workflow = "env-agent")]
async fn agent() -> u32 {
    lookup(1).await + lookup(2).await + lookup(3).await
}

/// The log line containing `needle`.
fn line<'a>(text: &'a str, needle: &str) -> &'a str {
    text.lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no `{needle}` line: {text}"))
}

#[test]
fn a_key_in_the_environment_starts_nothing_until_init() {
    let log_path = std::env::temp_dir().join(format!("drip-env-log-{}", std::process::id()));
    let log_file = Arc::new(std::fs::File::create(&log_path).unwrap());
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_ansi(false)
            .with_writer(log_file)
            .finish(),
    )
    .expect("no other subscriber in this binary");
    let logs = || std::fs::read_to_string(&log_path).unwrap();

    let emulator = Emulator::builder().start_blocking().unwrap();
    let spool = std::env::temp_dir().join(format!("drip-env-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&spool);
    // SAFETY: this test binary has a single test and sets the variables
    // before anything else runs or reads the environment.
    unsafe {
        std::env::set_var("DRIP_API_KEY", emulator.secret_key());
        std::env::set_var("DRIP_BASE_URL", "https://ignored.example/v1");
        std::env::set_var("DRIP_API_URL", emulator.base_url());
        std::env::set_var("DRIP_SPOOL_DIR", &spool);
        std::env::remove_var("DRIP_DISABLED");
    }

    let config = drip::Config::from_env();
    assert!(!config.is_disabled());
    let shown = format!("{config:?}");
    assert!(
        shown.contains(emulator.base_url().as_str()) && !shown.contains("ignored.example"),
        "DRIP_API_URL wins over DRIP_BASE_URL: {shown}"
    );
    assert!(config.effective_spool_dir().starts_with(&spool));
    assert!(
        !format!("{config:?}").contains(emulator.secret_key()),
        "Debug hides the key"
    );

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    // No drip::init: the code runs, nothing is delivered, and the log says why.
    assert_eq!(runtime.block_on(agent()), 12);
    assert_eq!(runtime.block_on(agent()), 12);
    assert!(!drip::stats().running, "a key alone starts no pipeline");
    assert!(drip::client().is_none());
    // Had a pipeline started, shutting it down would drain it to the emulator.
    drip::shutdown(Duration::from_secs(10));
    assert_eq!(emulator.runs().len(), 0, "nothing billed without init");
    assert_eq!(emulator.events().len(), 0);
    let warned = logs();
    assert_eq!(
        warned.matches("drip::init was never called").count(),
        1,
        "warned once: {warned}"
    );
    assert!(warned.contains("drip::init(drip::Config::from_env())"));
    assert!(!warned.contains(emulator.secret_key()));

    // With init: delivered, one INFO line at start and at stop, and the
    // runtime's client is the application's.
    let guard = drip::init(drip::Config::from_env()).unwrap();
    let client = drip::client().expect("init built a client");
    assert_eq!(client.base_url(), emulator.base_url());
    assert_eq!(
        guard.client().map(|c| c.base_url()),
        Some(emulator.base_url().as_str())
    );
    assert_eq!(runtime.block_on(agent()), 12);
    let report = guard.shutdown();
    assert_eq!(report.sent, 3, "{report:?}");
    assert!(report.is_complete(), "{report:?}");
    assert_eq!(emulator.events().len(), 3);
    assert!(drip::client().is_none(), "cleared at shutdown");

    let text = logs();
    let started = line(&text, "drip started");
    assert!(
        started.contains("INFO") && started.contains("drip:"),
        "{started}"
    );
    assert!(started.contains("key_kind=secret"), "{started}");
    assert!(started.contains("host=127.0.0.1"), "{started}");
    assert!(started.contains(&spool.display().to_string()), "{started}");
    let stopped = line(&text, "drip stopped");
    assert!(
        stopped.contains("sent=3") && stopped.contains("dropped=0"),
        "{stopped}"
    );
    assert!(
        !text.contains(emulator.secret_key()),
        "the key is never logged"
    );

    unsafe {
        std::env::set_var("DRIP_DISABLED", "1");
    }
    assert!(
        drip::Config::from_env().is_disabled(),
        "DRIP_DISABLED=1 turns it off"
    );
    let _ = std::fs::remove_dir_all(&spool);
    let _ = std::fs::remove_file(&log_path);
}
