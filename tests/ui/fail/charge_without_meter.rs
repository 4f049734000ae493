// A charging tool needs to know who pays and on which meter.
#[drip::tool(charge)]
fn render() {}

#[drip::tool(customer = "cus_1", meter = "pages", charge = true)]
fn convert() {}

fn main() {}
