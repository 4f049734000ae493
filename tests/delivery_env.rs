//! Configuration from the environment, and the pipeline that starts lazily
//! from it on the first instrumented call when `drip::init` was never called.
//!
//! One test only: it sets process environment variables.

use drip_emulator::Emulator;
use std::time::Duration;

#[drip::tool]
async fn lookup(n: u32) -> u32 {
    n * 2
}

#[drip::run(customer = "cus_env", workflow = "env-agent")]
async fn agent() -> u32 {
    lookup(1).await + lookup(2).await + lookup(3).await
}

#[test]
fn the_environment_configures_drip_and_starts_it_lazily_without_init() {
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
    assert_eq!(
        config.get_base_url(),
        emulator.base_url(),
        "DRIP_API_URL wins over DRIP_BASE_URL"
    );
    assert!(config.effective_spool_dir().starts_with(&spool));
    assert!(
        !format!("{config:?}").contains(emulator.secret_key()),
        "Debug hides the key"
    );

    // No drip::init: the first instrumented call starts the pipeline.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    assert_eq!(runtime.block_on(agent()), 12);
    assert!(drip::stats().running, "started lazily from the environment");
    // Its documented limit: no guard, so the program drains it itself.
    let report = drip::shutdown(Duration::from_secs(10));
    assert_eq!(report.sent, 3, "{report:?}");
    assert!(report.is_complete(), "{report:?}");
    assert_eq!(emulator.events().len(), 3);

    unsafe {
        std::env::set_var("DRIP_DISABLED", "1");
    }
    assert!(
        drip::Config::from_env().is_disabled(),
        "DRIP_DISABLED=1 turns it off"
    );
    let _ = std::fs::remove_dir_all(&spool);
}
