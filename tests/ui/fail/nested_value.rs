// Metadata values are flat: a string, integer, float or bool.
#[drip::tool(metadata(document_count = [1, 2], tool_name = ("a", "b"), model = 'm', region = b"eu"))]
fn search() {}

fn main() {
    let _m = drip::metadata!(action_count = vec![1, 2], retry_count = 1..3);
}
