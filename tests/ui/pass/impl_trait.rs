//! `impl Trait` in argument and return position, sync and async.
use std::fmt::Display;

#[drip::tool]
fn evens(limit: u32) -> impl Iterator<Item = u32> {
    (0..limit).filter(|n| n % 2 == 0)
}

#[drip::tool]
fn join(parts: impl IntoIterator<Item = impl Display>) -> String {
    parts.into_iter().map(|p| p.to_string()).collect::<Vec<_>>().join("-")
}

#[drip::tool]
async fn shown(value: impl Display + Send) -> impl Display {
    format!("<{value}>")
}

#[drip::tool]
fn fallible(ok: bool) -> Result<impl Display, std::fmt::Error> {
    if ok { Ok(1) } else { Err(std::fmt::Error) }
}

fn main() {
    assert_eq!(evens(5).collect::<Vec<_>>(), [0, 2, 4]);
    assert_eq!(join([1, 2, 3]), "1-2-3");
    assert!(fallible(true).is_ok());
    assert!(fallible(false).is_err());
    let _future = shown(5u8);
}
