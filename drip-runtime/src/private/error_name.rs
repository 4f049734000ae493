//! The name a failed call's error type is reported under (`error_type`).
//!
//! Built from [`core::any::type_name`], with every path in it shortened the
//! way the type is usually written in code: `SearchError`, `io::Error`,
//! `Box<dyn Error + Send + Sync>`, `(StatusCode, String)`, `&str`.
//!
//! A path keeps its last segment. A type named `Error` also keeps the module
//! that names it (the Rust convention of `io::Error`, `fmt::Error`,
//! `serde_json::Error`), skipping a private `error` module in between; the
//! standard library's own `Error` trait stays `Error`.

use std::borrow::Cow;

/// The roots of the standard library: not worth naming in a short path.
const STD_ROOTS: [&str; 3] = ["std", "core", "alloc"];

/// The short name of `T`; borrowed from `type_name` when that is enough.
pub(crate) fn error_type_name<T: ?Sized>() -> Cow<'static, str> {
    shorten(core::any::type_name::<T>())
}

/// Shortens every path in a type's full name, keeping everything else
/// (generics, tuples, references, `dyn`, `+`) as it is.
pub(crate) fn shorten(full: &'static str) -> Cow<'static, str> {
    if !full.contains(['<', '(', '[', '&', ' ', '*', ',']) {
        return shorten_path(full);
    }
    let mut out = String::with_capacity(full.len());
    let mut start = None;
    for (i, c) in full.char_indices() {
        let in_path = c.is_alphanumeric() || c == '_' || c == ':';
        match (in_path, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push_str(&shorten_path(&full[s..i]));
                start = None;
            }
            _ => {}
        }
        if !in_path {
            out.push(c);
        }
    }
    if let Some(s) = start {
        out.push_str(&shorten_path(&full[s..]));
    }
    Cow::Owned(out)
}

/// `std::io::error::Error` → `io::Error`; `my_crate::errors::SearchError` → `SearchError`.
fn shorten_path<'a>(path: &'a str) -> Cow<'a, str> {
    let mut segments = path.rsplit("::");
    let Some(name) = segments.next() else {
        return Cow::Borrowed(path);
    };
    if name != "Error" {
        return Cow::Borrowed(name);
    }
    let module = segments.find(|m| !m.eq_ignore_ascii_case(name));
    match module {
        Some(m) if !STD_ROOTS.contains(&m) => Cow::Owned(format!("{m}::{name}")),
        _ => Cow::Borrowed(name),
    }
}

#[cfg(test)]
mod tests {
    use super::shorten;

    #[test]
    fn every_shape_gets_the_name_it_is_written_with() {
        let table = [
            ("my_crate::errors::SearchError", "SearchError"),
            ("std::io::error::Error", "io::Error"),
            ("core::fmt::Error", "fmt::Error"),
            ("serde_json::error::Error", "serde_json::Error"),
            ("anyhow::Error", "anyhow::Error"),
            ("core::error::Error", "Error"),
            ("Error", "Error"),
            (
                "(http::status::StatusCode, alloc::string::String)",
                "(StatusCode, String)",
            ),
            (
                "alloc::boxed::Box<dyn core::error::Error + core::marker::Send + core::marker::Sync>",
                "Box<dyn Error + Send + Sync>",
            ),
            ("&str", "&str"),
            ("&mut my::Thing", "&mut Thing"),
            (
                "my_crate::Wrapper<std::io::error::Error, u8>",
                "Wrapper<io::Error, u8>",
            ),
            ("[u8; 4]", "[u8; 4]"),
            ("()", "()"),
            ("*const u8", "*const u8"),
            ("fn(i32) -> alloc::string::String", "fn(i32) -> String"),
        ];
        for (full, want) in table {
            assert_eq!(shorten(full), want, "{full}");
        }
    }
}
