//! web
pub mod cookies;
pub mod routing;
pub mod signed;
pub mod xsrf;
