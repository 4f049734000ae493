// Unknown arguments are refused, with the closest known one; flags take no value.
#[drip::tool(nmae = "search", timeout = 5, error_message = true)]
fn search() {}

#[drip::run(customer = "cus_1", workflw = "x", stream = false)]
fn agent() {}

fn main() {}
