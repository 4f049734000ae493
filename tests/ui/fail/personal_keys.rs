// Keys that name personal data are refused.
#![allow(unused_variables)]
#[drip::run(customer = id, metadata(user_email = email, phone = "n/a", shipping_address = addr))]
fn signup(id: u64, email: &str, addr: &str) {}

fn main() {}
