//! Compile-time behaviour of the macros: what compiles (`ui/pass`) and the
//! exact errors a user sees for what does not (`ui/fail`, reviewed `.stderr`).
//!
//! Regenerate the expected output after a deliberate change with
//! `TRYBUILD=overwrite cargo test --test ui`, then read every changed file.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
