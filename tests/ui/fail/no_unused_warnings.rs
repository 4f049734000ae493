// A parameter used only in a rejected attribute is not also reported unused:
// only the attribute's own error is shown.
struct Request {
    customer_id: String,
}

#[drip::run(customer = req.customer_id.as_str(), bogus)]
async fn agent(req: Request) -> u32 {
    7
}

fn main() {
    let _ = agent(Request { customer_id: "cus_1".into() });
}
