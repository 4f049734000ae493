//! Where a request's customer comes from: [`CustomerFrom`].

use http::header::HeaderName;
use http::request::Parts;
use std::sync::Arc;

type Extract = dyn Fn(&Parts) -> Option<String> + Send + Sync;

/// Finds the Drip customer of a request: in a header, in an extension set
/// by the application's authentication middleware, or with a closure over
/// the request's [`Parts`]. Blank answers count as no customer.
///
/// ```
/// use drip_tower::CustomerFrom;
///
/// #[derive(Clone)]
/// struct Account { drip_customer: String }
///
/// let from_header = CustomerFrom::header("x-customer-id");
/// let from_auth = CustomerFrom::extension(|a: &Account| Some(a.drip_customer.clone()));
/// let from_parts = CustomerFrom::parts(|p| p.headers.get("x-tenant")?.to_str().ok().map(str::to_owned));
///
/// let (parts, ()) = http::Request::builder().header("x-customer-id", "cus_1").body(()).unwrap().into_parts();
/// assert_eq!(from_header.find(&parts).as_deref(), Some("cus_1"));
/// assert_eq!(from_auth.find(&parts), None);
/// ```
#[derive(Clone)]
pub struct CustomerFrom(Arc<Extract>);

impl std::fmt::Debug for CustomerFrom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CustomerFrom(..)")
    }
}

impl CustomerFrom {
    /// The value of header `name` (visible ASCII only).
    ///
    /// # Panics
    /// If `name` is not a valid header name — a programming error caught at
    /// start-up, not a request-time failure.
    ///
    /// ```
    /// let from = drip_tower::CustomerFrom::header("x-customer-id");
    /// ```
    pub fn header(name: &'static str) -> Self {
        let name = HeaderName::from_static(name);
        CustomerFrom::parts(move |p| p.headers.get(&name)?.to_str().ok().map(str::to_owned))
    }

    /// A value of type `T` in the request's extensions — put there by the
    /// application's authentication middleware, which must run before this
    /// layer — mapped to the customer id by `f`.
    ///
    /// ```
    /// #[derive(Clone)]
    /// struct Tenant(String);
    /// let from = drip_tower::CustomerFrom::extension(|t: &Tenant| Some(t.0.clone()));
    /// let mut req = http::Request::new(());
    /// req.extensions_mut().insert(Tenant("cus_7".into()));
    /// let (parts, ()) = req.into_parts();
    /// assert_eq!(from.find(&parts).as_deref(), Some("cus_7"));
    /// ```
    pub fn extension<T, F>(f: F) -> Self
    where
        T: Send + Sync + 'static,
        F: Fn(&T) -> Option<String> + Send + Sync + 'static,
    {
        CustomerFrom::parts(move |p| p.extensions.get::<T>().and_then(&f))
    }

    /// Any function of the request's method, URI, headers and extensions.
    ///
    /// ```
    /// let from = drip_tower::CustomerFrom::parts(|p| p.headers.get("x-org")?.to_str().ok().map(str::to_owned));
    /// ```
    pub fn parts<F>(f: F) -> Self
    where
        F: Fn(&Parts) -> Option<String> + Send + Sync + 'static,
    {
        CustomerFrom(Arc::new(f))
    }

    /// The customer of a request, trimmed; `None` when absent or blank.
    ///
    /// ```
    /// let from = drip_tower::CustomerFrom::header("x-customer-id");
    /// let (parts, ()) = http::Request::builder().header("x-customer-id", "  ").body(()).unwrap().into_parts();
    /// assert_eq!(from.find(&parts), None);
    /// ```
    pub fn find(&self, parts: &Parts) -> Option<String> {
        let id = (self.0)(parts)?;
        let trimmed = id.trim();
        if trimmed.is_empty() {
            None
        } else if trimmed.len() == id.len() {
            Some(id)
        } else {
            Some(trimmed.to_owned())
        }
    }
}
