//! web
pub mod cookies;
pub mod error_page;
pub mod etag;
pub mod routing;
pub mod signed;
pub mod transform;
pub mod xsrf;
