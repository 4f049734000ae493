// Each argument may be given once.
#[drip::tool(name = "a", name = "b", metadata(model = "m"), metadata(region = "eu"))]
fn search() {}

fn main() {}
