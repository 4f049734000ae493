//! The shape rule for identifier fields: customer and external ids, workflow
//! names and slugs, tool and model names, meters, correlation and span ids,
//! webhook event filters. An identifier names a thing; it never carries one.

use super::deobfuscate::is_invisible;
use super::detect::{ValueRefusal, check_literal_str};
use std::fmt;

/// Longest identifier accepted, in characters. Longer values are more likely
/// text than a name.
///
/// ```
/// use drip_runtime::fields::{check_identifier, MAX_IDENTIFIER_CHARS};
/// assert!(check_identifier(&"a".repeat(MAX_IDENTIFIER_CHARS + 1)).is_err());
/// ```
pub const MAX_IDENTIFIER_CHARS: usize = 128;

/// Why a value is refused as an identifier.
///
/// ```
/// use drip_runtime::fields::{check_identifier, IdentifierRefusal, ValueRefusal};
/// assert_eq!(
///     check_identifier("ada@example.com"),
///     Err(IdentifierRefusal::Sensitive(ValueRefusal::Email))
/// );
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentifierRefusal {
    /// Empty or only whitespace.
    Empty,
    /// Longer than [`MAX_IDENTIFIER_CHARS`] characters.
    TooLong {
        /// The value's length in characters.
        chars: usize,
    },
    /// Leading or trailing whitespace, a run of whitespace, a tab or line
    /// break, a control or an invisible character: the shape of text, not a name.
    Whitespace,
    /// Looks like a secret or personal data.
    Sensitive(ValueRefusal),
}

impl fmt::Display for IdentifierRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdentifierRefusal::Empty => f.write_str("identifier is empty"),
            IdentifierRefusal::TooLong { chars } => write!(
                f,
                "identifier is {chars} characters long (at most {MAX_IDENTIFIER_CHARS})"
            ),
            IdentifierRefusal::Whitespace => f.write_str(
                "identifier has leading, trailing or repeated whitespace, a line break, a control or an invisible character",
            ),
            IdentifierRefusal::Sensitive(kind) => write!(f, "identifier: {kind}"),
        }
    }
}

impl std::error::Error for IdentifierRefusal {}

/// Checks the identifier shape rule: not empty, at most
/// [`MAX_IDENTIFIER_CHARS`] characters, single spaces only between words, no
/// control or invisible characters, and no detector hit
/// ([`check_literal_str`]).
///
/// ```
/// use drip_runtime::fields::check_identifier;
/// assert!(check_identifier("cus_8f14e45fceea167a").is_ok());
/// assert!(check_identifier("Research Agent").is_ok());
/// assert!(check_identifier("Summarise  my\nmedical history").is_err());
/// assert!(check_identifier("sk_live_51HxYzAbCdEf").is_err());
/// ```
pub fn check_identifier(value: &str) -> Result<(), IdentifierRefusal> {
    check_shape(value)?;
    check_literal_str(value).map_err(IdentifierRefusal::Sensitive)
}

/// The rule without the detectors, for callers that have just run them.
pub(crate) fn check_shape(value: &str) -> Result<(), IdentifierRefusal> {
    if value.trim().is_empty() {
        return Err(IdentifierRefusal::Empty);
    }
    if value.len() > MAX_IDENTIFIER_CHARS {
        let chars = value.chars().count();
        if chars > MAX_IDENTIFIER_CHARS {
            return Err(IdentifierRefusal::TooLong { chars });
        }
    }
    if value.is_ascii() {
        // Printable ASCII with single inner spaces: the common case, bytewise.
        let b = value.as_bytes();
        let bad = b.iter().any(|&c| !(b' '..=b'~').contains(&c))
            || b.first() == Some(&b' ')
            || b.last() == Some(&b' ')
            || b.windows(2).any(|w| w == b"  ");
        return if bad {
            Err(IdentifierRefusal::Whitespace)
        } else {
            Ok(())
        };
    }
    let mut previous_space = true;
    for c in value.chars() {
        if c.is_control() || is_invisible(c) || (c.is_whitespace() && c != ' ') {
            return Err(IdentifierRefusal::Whitespace);
        }
        let space = c == ' ';
        if space && previous_space {
            return Err(IdentifierRefusal::Whitespace);
        }
        previous_space = space;
    }
    if previous_space {
        return Err(IdentifierRefusal::Whitespace);
    }
    Ok(())
}
