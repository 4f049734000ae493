// With errors in the attribute, the function is still emitted as written:
// callers keep compiling and only the attribute's errors are shown, all at once.
#[drip::tool(name = "", metadata(prompt = p, favorite_color = "x"), bogus)]
fn search(p: &str) -> usize {
    p.len()
}

#[drip::run(metadata(userEmail = e))]
async fn agent(e: &str) -> usize {
    search(e)
}

fn main() {
    assert_eq!(search("ab"), 2);
    let _ = agent("x");
}
