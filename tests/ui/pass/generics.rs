//! Generic functions, lifetimes, const generics and `where` clauses keep their signatures.
use std::fmt::Display;

#[drip::tool]
fn longest<'a, 'b: 'a>(a: &'a str, b: &'b str) -> &'a str {
    if a.len() >= b.len() { a } else { b }
}

#[drip::tool(name = "sum")]
fn sum<T, const N: usize>(items: [T; N]) -> T
where
    T: Copy + Default + std::ops::Add<Output = T>,
{
    items.iter().fold(T::default(), |acc, x| acc + *x)
}

#[drip::tool]
async fn describe<T: Display + Send>(value: T, times: usize) -> String
where
    T: Clone,
{
    std::iter::repeat_n(value.to_string(), times).collect::<Vec<_>>().join(",")
}

#[drip::run(customer = customer)]
async fn generic_run<C: Display + Sync, F>(customer: &C, f: F) -> u32
where
    F: FnOnce() -> u32 + Send,
{
    f()
}

fn main() {
    assert_eq!(longest("abc", "de"), "abc");
    assert_eq!(sum([1, 2, 3]), 6);
    let _ = describe::<u8>;
    let _ = generic_run::<String, fn() -> u32>;
}
