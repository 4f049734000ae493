// A metered tool is billed to one customer: `customer` (Drip's id) or
// `external_customer` (the application's id), with `meter`. Every broken
// pairing is reported at once, at the argument that breaks it.
#![allow(unused_variables)]
#[drip::tool(customer = drip_id, external_customer = user_id, meter = "pages")]
fn both(drip_id: &str, user_id: &str) {}

#[drip::tool(external_customer = user_id)]
fn no_meter(user_id: &str) {}

#[drip::tool(external_customer = user_id, charge)]
fn charge_no_meter(user_id: &str) {}

#[drip::tool(customer = drip_id, external_customer = "ada@example.com")]
fn both_no_meter_and_an_email(drip_id: &str) {}

fn main() {}
