// drip::metadata! applies the same rules as the attributes.
fn main() {
    let p = "hello";
    let _a = drip::metadata!(prompt = p);
    let _b = drip::metadata!(model);
    let _c = drip::metadata!(model = "gpt-4o", model = "gpt-4o-mini");
}
