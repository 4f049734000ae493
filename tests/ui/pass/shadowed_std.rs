//! The generated code never relies on names the user can shadow.
#![allow(dead_code, non_camel_case_types)]

type Result<T> = std::result::Result<T, Failure>;
#[derive(Debug)]
struct Failure;
struct Option;
struct Some;
struct None;
struct Ok;
struct Err;
struct Box;
struct String;
struct Vec;
struct Drop;
struct ToString;
struct bool;
struct str;
mod core {}
mod std_shadow {}
fn drop() {}
fn panic() {}
#[allow(unused_macros)]
macro_rules! include_bytes {
    ($($t:tt)*) => { compile_error!("shadowed") };
}

static __DRIP_SITE: u8 = 0;

#[drip::tool(metadata(attempt = 2), error_message)]
fn checked(flag: ::std::primitive::bool) -> Result<u8> {
    if flag { ::std::result::Result::Ok(1) } else { ::std::result::Result::Err(Failure) }
}

#[drip::run(customer = 42, correlation_id = "req-1")]
async fn agent(__drip_call: u8, __drip_out: u8) -> u8 {
    let __drip_run = __drip_call + __drip_out;
    __drip_run
}

impl ::std::fmt::Display for Failure {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        f.write_str("failure")
    }
}

fn main() {
    assert!(checked(true).is_ok());
    assert!(checked(false).is_err());
    let _ = agent;
}
