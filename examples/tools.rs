//! Tools in all their shapes: methods, sync functions, error statuses, panics,
//! cancellation, and carrying a run into spawned tasks.
//!
//! ```sh
//! cargo run --example tools
//! ```
//!
//! Runs against the in-process emulator and prints every `tool.call` event it
//! stored: the tool's name, status and duration, and nothing else about its
//! arguments.

use drip::{Config, InCurrentRun};
use std::error::Error;
use std::fmt;
use std::time::Duration;

#[derive(Debug)]
struct NotFound;

impl fmt::Display for NotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never sent: drip records the error's type name (`NotFound`), not this text.
        f.write_str("no document matches the user's secret query")
    }
}
impl Error for NotFound {}

struct Library {
    books: Vec<&'static str>,
}

impl Library {
    /// A method with `&self`; the metadata value is computed at call time.
    #[drip::tool(name = "library-lookup", metadata(document_count = self.books.len()))]
    async fn lookup(&self, title: &str) -> Result<&'static str, NotFound> {
        tokio::time::sleep(Duration::from_millis(5)).await;
        self.books
            .iter()
            .copied()
            .find(|b| b.contains(title))
            .ok_or(NotFound)
    }

    /// A method with `&mut self`, sync.
    #[drip::tool]
    fn shelve(&mut self, title: &'static str) -> usize {
        self.books.push(title);
        self.books.len()
    }
}

/// A sync tool using `?`.
#[drip::tool(name = "parse-page")]
fn parse_page(text: &str) -> Result<u32, std::num::ParseIntError> {
    let page = text.trim().parse::<u32>()?;
    Ok(page)
}

/// A tool that never finishes on its own: dropping it records `cancelled`.
#[drip::tool]
async fn slow_fetch() -> u32 {
    tokio::time::sleep(Duration::from_secs(3600)).await;
    0
}

/// A tool that panics: recorded as `panicked`, and the panic carries on.
#[drip::tool]
fn fragile() -> u32 {
    panic!("fragile tool broke")
}

#[drip::run(customer = customer, workflow = "librarian")]
async fn librarian(customer: &str) -> Result<usize, NotFound> {
    let mut library = Library {
        books: vec!["The Rust Programming Language", "Zero To Production"],
    };
    library.lookup("Rust").await?;
    let missing = library.lookup("Haskell").await; // an `Err`: status `error`
    assert!(missing.is_err());
    library.shelve("Rust for Rustaceans");
    parse_page("42").ok();
    parse_page("forty-two").ok(); // `error` too, with `error_type = ParseIntError`

    // Cancelled: the timeout drops the tool's future before it completes.
    let _ = tokio::time::timeout(Duration::from_millis(10), slow_fetch()).await;

    // Panicked: caught here only so the example can go on.
    let _ = std::panic::catch_unwind(fragile);

    // `drip::spawn` carries the run into the task; so does `.in_current_run()`.
    let spawned = drip::spawn(async { parse_page("7") });
    let carried = tokio::spawn(async { parse_page("8") }.in_current_run());
    let _ = spawned.await;
    let _ = carried.await;
    // A plain `tokio::spawn` does not: this call is outside any run and is not recorded.
    let _ = tokio::spawn(async { parse_page("9") }).await;

    Ok(library.books.len())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    std::panic::set_hook(Box::new(|_| {})); // keep the deliberate panic quiet
    let emulator = drip_emulator::Emulator::start().await?;
    let spool = std::env::temp_dir().join(format!("drip-tools-{}", std::process::id()));
    let guard = drip::init(
        Config::new(emulator.public_key())
            .base_url(emulator.base_url())
            .spool_dir(spool),
    )?;

    let shelved = librarian("cus_demo").await?;
    println!("librarian finished with {shelved} books on the shelf");

    let report = drip::flush(Duration::from_secs(5)).await;
    println!(
        "flush: {} sent, {} rejected\n",
        report.sent, report.rejected
    );
    drop(guard);

    println!("{:<16} {:<10} {:>8}  error_type", "tool", "status", "ms");
    for event in emulator.events() {
        if event.event_type != "tool.call" {
            continue;
        }
        let field = |k: &str| {
            event
                .metadata
                .as_ref()
                .and_then(|m| m.get(k))
                .map(|v| v.to_string().trim_matches('"').to_owned())
                .unwrap_or_default()
        };
        println!(
            "{:<16} {:<10} {:>8}  {}",
            field("tool_name"),
            field("status"),
            field("duration_ms"),
            field("error_type")
        );
    }
    Ok(())
}
