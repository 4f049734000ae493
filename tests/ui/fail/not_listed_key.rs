// A key outside the allowlist is refused, with the closest allowed key when there is one.
#[drip::tool(metadata(modelFamly = "gpt-4o", favorite_color = "blue"))]
fn pick() {}

fn main() {}
