//! `drip-emulator`: serve a local Drip-compatible API until Ctrl-C.
//!
//! ```text
//! cargo run -p drip-emulator -- --port 8787 --persist drip-state.json
//! ```

use std::process::ExitCode;

const USAGE: &str =
    "usage: drip-emulator [--port N] [--persist FILE] [--public-key pk_...] [--secret-key sk_...]

  --port N            port on 127.0.0.1 (default 0: any free port)
  --persist FILE      load state from FILE at start and save it there after changes
  --public-key KEY    public key to accept (default: random pk_test_...)
  --secret-key KEY    secret key to accept (default: random sk_test_...)
  -h, --help          show this help";

#[derive(Debug, Default, PartialEq)]
struct Args {
    port: u16,
    persist: Option<String>,
    public_key: Option<String>,
    secret_key: Option<String>,
}

/// `Ok(None)` means help was asked for.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut parsed = Args::default();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .filter(|v| !v.is_empty())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--port" => {
                let raw = value("--port")?;
                parsed.port = raw
                    .parse()
                    .map_err(|_| format!("--port: `{raw}` is not a port number (0-65535)"))?;
            }
            "--persist" => parsed.persist = Some(value("--persist")?),
            "--public-key" => parsed.public_key = Some(value("--public-key")?),
            "--secret-key" => parsed.secret_key = Some(value("--secret-key")?),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(Some(parsed))
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("drip-emulator: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut builder = drip_emulator::Emulator::builder().port(args.port);
    if let Some(path) = args.persist {
        builder = builder.persist(path);
    }
    if let Some(key) = args.public_key {
        builder = builder.public_key(key);
    }
    if let Some(key) = args.secret_key {
        builder = builder.secret_key(key);
    }
    let emulator = match builder.start_blocking() {
        Ok(emulator) => emulator,
        Err(e) => {
            eprintln!("drip-emulator: {e}");
            return ExitCode::FAILURE;
        }
    };
    // These are the emulator's own local test keys, printed so they can be copied.
    print!("{}", banner(&emulator));
    let waited = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map(|rt| rt.block_on(tokio::signal::ctrl_c()));
    if let Err(e) | Ok(Err(e)) = waited {
        eprintln!("drip-emulator: cannot wait for Ctrl-C ({e}); stopping");
    }
    emulator.shutdown();
    ExitCode::SUCCESS
}

/// What the emulator prints at start: the two lines to paste into another
/// shell (with the secret key, which every call accepts), then both keys.
fn banner(emulator: &drip_emulator::EmulatorHandle) -> String {
    format!(
        "drip-emulator listening. In another shell:\n\n  export DRIP_API_URL={url}\n  export DRIP_API_KEY={secret}\n\n  public key:  {public}\n  secret key:  {secret}\nPress Ctrl-C to stop.\n",
        url = emulator.base_url(),
        secret = emulator.secret_key(),
        public = emulator.public_key(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Option<Args>, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn parses_every_flag_in_both_spellings() {
        let args = parse(&[
            "--port",
            "8787",
            "--persist=state.json",
            "--public-key",
            "pk_test_123456",
            "--secret-key=sk_test_123456",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(
            args,
            Args {
                port: 8787,
                persist: Some("state.json".into()),
                public_key: Some("pk_test_123456".into()),
                secret_key: Some("sk_test_123456".into()),
            }
        );
        assert_eq!(parse(&[]).unwrap(), Some(Args::default()));
        assert_eq!(parse(&["--help"]).unwrap(), None);
    }

    #[test]
    fn the_banner_gives_both_lines_to_export() {
        let emulator = drip_emulator::Emulator::builder()
            .secret_key("sk_test_banner0123")
            .start_blocking()
            .unwrap();
        let text = banner(&emulator);
        let exports: Vec<&str> = text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("export "))
            .collect();
        assert_eq!(
            exports,
            [
                format!("DRIP_API_URL={}", emulator.base_url()).as_str(),
                "DRIP_API_KEY=sk_test_banner0123",
            ]
        );
        emulator.shutdown();
    }

    #[test]
    fn reports_clear_errors() {
        assert_eq!(parse(&["--port"]).unwrap_err(), "--port needs a value");
        assert!(
            parse(&["--port", "99999"])
                .unwrap_err()
                .contains("not a port number")
        );
        assert!(
            parse(&["--verbose"])
                .unwrap_err()
                .contains("unknown argument `--verbose`")
        );
        assert_eq!(
            parse(&["--persist="]).unwrap_err(),
            "--persist needs a value"
        );
    }
}
