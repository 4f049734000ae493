//! `?` with error conversion, early `return`, and integer literal inference.
use std::num::ParseIntError;

#[derive(Debug)]
enum AppError {
    Parse(ParseIntError),
    Empty,
}

impl From<ParseIntError> for AppError {
    fn from(e: ParseIntError) -> Self {
        AppError::Parse(e)
    }
}

#[drip::tool]
fn parse_sum(input: &str) -> Result<i64, AppError> {
    if input.is_empty() {
        return Err(AppError::Empty);
    }
    let mut total = 0;
    for part in input.split(',') {
        total += part.trim().parse::<i64>()?;
    }
    Ok(total)
}

#[drip::tool]
async fn parse_async(input: String) -> Result<u8, AppError> {
    let n = input.parse()?;
    if n == 0 {
        return Ok(1);
    }
    Ok(n)
}

#[drip::tool]
fn first_char(s: &str) -> Option<char> {
    let c = s.chars().next()?;
    Some(c.to_ascii_uppercase())
}

#[drip::run(customer = "cus_1")]
fn pipeline(input: &str) -> Result<i64, AppError> {
    let n = parse_sum(input)?;
    Ok(n * 2)
}

fn main() {
    assert_eq!(parse_sum("1, 2,3").unwrap(), 6);
    assert!(matches!(parse_sum(""), Err(AppError::Empty)));
    assert!(matches!(parse_sum("x"), Err(AppError::Parse(_))));
    assert_eq!(first_char("abc"), Some('A'));
    assert_eq!(first_char(""), None);
    assert_eq!(pipeline("2").unwrap(), 4);
    let _ = parse_async;
}
