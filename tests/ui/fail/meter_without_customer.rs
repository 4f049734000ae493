// Usage outside a run needs both who pays and on which meter.
#![allow(unused_variables)]
#[drip::tool(meter = "pdf_pages")]
fn render() {}

#[drip::tool(customer = account)]
fn convert(account: &str) {}

#[drip::tool(customer = account, meter = "")]
fn empty_meter(account: &str) {}

fn main() {}
