//! Reading tokens and files from arguments, files and standard input.

use std::io::Read;
use std::path::Path;

use crate::Failure;

/// The longest input read from stdin or a file; anything longer is not a Flex token or key.
const MAX_INPUT: u64 = 1 << 20;

/// Reads a token given as an argument, `@FILE` for a file, `-` for stdin, or (absent) from stdin;
/// surrounding whitespace is dropped.
pub(crate) fn token(arg: Option<&str>) -> Result<String, Failure> {
    named_token(arg, "token")
}

/// Whether `arg` (as [`token`] takes it) reads standard input.
pub(crate) fn reads_stdin(arg: Option<&str>) -> bool {
    matches!(arg, None | Some("-"))
}

/// As [`token`], naming the input `what` (e.g. "capture context") in its errors.
pub(crate) fn named_token(arg: Option<&str>, what: &str) -> Result<String, Failure> {
    let raw = match arg {
        Some(arg) if arg.starts_with('@') => {
            file_text(Path::new(arg.trim_start_matches('@')), &format!("{what} file"))?
        }
        Some("-") | None => {
            let mut buf = String::new();
            std::io::stdin()
                .take(MAX_INPUT)
                .read_to_string(&mut buf)
                .map_err(|e| Failure::new(format!("cannot read the {what} from stdin: {e}")))?;
            buf
        }
        Some(token) => token.to_owned(),
    };
    let token = raw.trim();
    if token.is_empty() {
        return Err(Failure::usage(format!("no {what} given (pass it as an argument, @FILE, or on stdin)")));
    }
    Ok(token.to_owned())
}

/// As [`named_token`] for a compact JWT given as `flag` (a capture context, a transient token): text without the
/// shape of one ([`flex_types::looks_like_compact_jwt`]) is a usage error naming the flag, found before anything is
/// sent, as `pay` finds a malformed `--transient-token`. Whether a well-formed token verifies is the command's to
/// say.
pub(crate) fn named_jwt(arg: Option<&str>, what: &str, flag: &str) -> Result<String, Failure> {
    let token = named_token(arg, what)?;
    if !flex_types::looks_like_compact_jwt(&token) {
        return Err(Failure::usage(format!(
            "{flag}: the {what} is not a compact JWT (three base64url segments joined by dots)"
        )));
    }
    Ok(token)
}

/// Reads a whole (small) file named on the command line as bytes. A file that cannot be read is a usage error.
pub(crate) fn file_bytes(path: &Path, what: &str) -> Result<Vec<u8>, Failure> {
    let file = std::fs::File::open(path)
        .map_err(|e| Failure::usage(format!("cannot open {what} {}: {e}", path.display())))?;
    let mut buf = Vec::new();
    file.take(MAX_INPUT)
        .read_to_end(&mut buf)
        .map_err(|e| Failure::usage(format!("cannot read {what} {}: {e}", path.display())))?;
    Ok(buf)
}

/// Reads a whole (small) UTF-8 file named on the command line (usage errors as [`file_bytes`]).
pub(crate) fn file_text(path: &Path, what: &str) -> Result<String, Failure> {
    String::from_utf8(file_bytes(path, what)?)
        .map_err(|_| Failure::usage(format!("{what} {} is not UTF-8", path.display())))
}

/// The current time in Unix seconds, or the value of `--now`.
pub(crate) fn now(explicit: Option<i64>) -> Result<i64, Failure> {
    if let Some(now) = explicit {
        return Ok(now);
    }
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| Failure::new("the system clock is before 1970; pass --now"))?;
    i64::try_from(since_epoch.as_secs())
        .map_err(|_| Failure::new("the system clock is out of range; pass --now"))
}

/// Prints `text` and a newline to stdout. A closed pipe (`cybs-flex ... | head`) is not an error.
pub(crate) fn print(text: &str) -> Result<(), Failure> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::new(format!("cannot write to stdout: {e}")))
        }
        _ => Ok(()),
    }
}

/// The decoded protected header (first segment) of a compact JWS or JWE: public data, shown as text.
pub(crate) fn protected_header(compact: &str) -> String {
    use base64ct::{Base64UrlUnpadded, Encoding as _};
    compact
        .split('.')
        .next()
        .and_then(|h| Base64UrlUnpadded::decode_vec(h).ok())
        .and_then(|h| String::from_utf8(h).ok())
        .unwrap_or_else(|| "(undecodable)".to_owned())
}
