// `external_customer = …` takes anything `Display`, in async and sync
// functions, with `stream` and beside the other arguments, on runs and on
// metered tools.
#[drip::run(external_customer = user_id, workflow = "research", stream)]
async fn research(user_id: u64) -> u64 {
    user_id
}

#[drip::run(external_customer = user.as_str(), correlation_id = "req-1")]
fn export(user: String) -> usize {
    user.len()
}

// On a metered tool, alone or with `charge`, sync or async.
#[drip::tool(external_customer = user_id, meter = "ocr_pages")]
async fn ocr(user_id: u64, pages: u32) -> u32 {
    pages
}

#[drip::tool(external_customer = user.as_str(), meter = "pdf_pages", charge)]
fn render(user: &String) -> usize {
    user.len()
}

fn main() {
    let _ = ocr(7, 2);
    assert_eq!(render(&"user_2".to_owned()), 6);
    let _ = research(7);
    assert_eq!(export("user_1".into()), 6);
}
