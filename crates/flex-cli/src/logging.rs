//! Logging for every command: `tracing` events to stderr, filtered by `-v` or `RUST_LOG`, coloured only on a
//! terminal and never with `NO_COLOR` set (<https://no-color.org>), so logs redirected to a file stay plain text.

use std::io::IsTerminal as _;

use tracing_subscriber::EnvFilter;

use crate::Failure;

/// The filter for `-v` counted `verbose` times, or `RUST_LOG`, or `default` (a level such as `warn`).
fn filter(verbose: u8, rust_log: Option<&str>, default: &str) -> Result<EnvFilter, Failure> {
    let level = match verbose {
        0 => None,
        1 => Some("info"),
        2 => Some("debug"),
        _ => Some("trace"),
    };
    match (level, rust_log.map(str::trim).filter(|v| !v.is_empty())) {
        (Some(level), _) => Ok(EnvFilter::new(level)),
        (None, Some(directives)) => EnvFilter::try_new(directives).map_err(|e| {
            Failure::usage(format!("RUST_LOG is not a valid filter ({e}); e.g. RUST_LOG=debug"))
        }),
        (None, None) => Ok(EnvFilter::new(default)),
    }
}

/// Whether log lines may carry ANSI colour: stderr is a terminal and `NO_COLOR` is unset or empty.
fn colour(stderr_is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    stderr_is_terminal && no_color.is_none_or(|v| v.is_empty())
}

/// Installs the process-wide subscriber. `-v` wins over `RUST_LOG`; without either, `default` applies.
///
/// # Errors
/// A usage error for a `RUST_LOG` that is not a valid filter.
pub(crate) fn init(verbose: u8, default: &str) -> Result<(), Failure> {
    let rust_log = std::env::var("RUST_LOG").ok();
    let filter = filter(verbose, rust_log.as_deref(), default)?;
    let ansi = colour(std::io::stderr().is_terminal(), std::env::var_os("NO_COLOR").as_deref());
    // `try_init` fails only if a subscriber is already installed, which cannot happen in this binary.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .try_init();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbose_wins_over_rust_log_and_the_default() {
        assert_eq!(filter(0, None, "warn").unwrap().to_string(), "warn");
        assert_eq!(filter(0, Some("  "), "info").unwrap().to_string(), "info");
        assert_eq!(filter(0, Some("flex_client=debug"), "warn").unwrap().to_string(), "flex_client=debug");
        assert_eq!(filter(1, Some("error"), "warn").unwrap().to_string(), "info");
        assert_eq!(filter(2, None, "warn").unwrap().to_string(), "debug");
        assert_eq!(filter(7, None, "warn").unwrap().to_string(), "trace");
        let bad = filter(0, Some("flex_client=loud"), "warn").unwrap_err();
        assert!(bad.usage && bad.message.contains("RUST_LOG"), "{bad:?}");
    }

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        use std::ffi::OsStr;
        assert!(colour(true, None));
        assert!(colour(true, Some(OsStr::new(""))));
        assert!(!colour(true, Some(OsStr::new("1"))));
        assert!(!colour(false, None));
    }
}
