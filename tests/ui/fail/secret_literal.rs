// String literals that look like credentials are refused at compile time.
#[drip::tool(metadata(model = "sk-proj-abcdefghijklmnop1234", version = "Bearer abc.def.ghi"))]
fn call() {}

fn main() {
    let _m = drip::metadata!(tool_name = "sk_live_51Habcdefghijkl");
}
