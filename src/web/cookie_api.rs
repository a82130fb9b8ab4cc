//! The cookie, signed-cookie and XSRF methods of [`RequestContext`].

use std::time::SystemTime;

use super::cookies::{format_clear_cookie, format_set_cookie, CookieOptions};
use super::error::{HttpError, Result, WebError};
use super::request::RequestContext;
use super::signed::{create_signed_value, decode_signed_value, SecretKeys};
use super::xsrf::{
    check_xsrf_token, decode_xsrf_token, generate_xsrf_token, RawXsrfToken, XsrfTokenVersion,
};

/// Signed cookies expire from the browser after this many days by default.
pub const DEFAULT_SIGNED_COOKIE_EXPIRES_DAYS: f64 = 30.0;
/// Signed values older than this many days are refused by default.
pub const DEFAULT_SIGNED_COOKIE_MAX_AGE_DAYS: f64 = 31.0;

fn cookie_error(e: impl std::error::Error + Send + Sync + 'static) -> WebError {
    WebError::Other(Box::new(e))
}

impl RequestContext {
    /// The value of the request cookie `name`.
    pub fn get_cookie(&self, name: &str) -> Option<&str> {
        self.request.cookies().get(name).map(String::as_str)
    }

    /// Sets a cookie with default attributes (`Path=/`).
    pub fn set_cookie(&mut self, name: &str, value: &str) -> Result {
        self.set_cookie_with(name, value, &CookieOptions::default())
    }

    /// Sets a cookie. Names or values with characters Tornado refuses (controls, spaces, `;`…)
    /// are an error (a `500`).
    pub fn set_cookie_with(&mut self, name: &str, value: &str, options: &CookieOptions) -> Result {
        let header =
            format_set_cookie(name, value, options, SystemTime::now()).map_err(cookie_error)?;
        self.add_set_cookie(name, header);
        Ok(())
    }

    /// Deletes a cookie (an empty value that expired a year ago); give the same `path`/`domain` it was
    /// set with.
    pub fn clear_cookie(&mut self, name: &str) -> Result {
        self.clear_cookie_with(name, &CookieOptions::default())
    }

    /// [`clear_cookie`](Self::clear_cookie) with attributes.
    pub fn clear_cookie_with(&mut self, name: &str, options: &CookieOptions) -> Result {
        let header = format_clear_cookie(name, options, SystemTime::now()).map_err(cookie_error)?;
        self.add_set_cookie(name, header);
        Ok(())
    }

    /// Deletes every cookie the request carried.
    pub fn clear_all_cookies(&mut self) -> Result {
        let names: Vec<String> = self.request.cookies().keys().cloned().collect();
        for name in names {
            self.clear_cookie(&name)?;
        }
        Ok(())
    }

    fn secret(&self) -> Result<&SecretKeys> {
        self.app.settings.cookie_secret.as_ref().ok_or_else(|| {
            WebError::Other("You must define the 'cookie_secret' setting in your application to use signed cookies".into())
        })
    }

    /// Creates a signed value (Tornado's `create_signed_value`, format version 2) with the
    /// application's `cookie_secret`.
    pub fn create_signed_value(&self, name: &str, value: &[u8]) -> Result<String> {
        create_signed_value(self.secret()?, name, value, None, SystemTime::now())
            .map_err(cookie_error)
    }

    /// Sets a signed, timestamped cookie that [`get_signed_cookie`](Self::get_signed_cookie)
    /// verifies; it expires after 30 days. Byte-compatible with Tornado's.
    pub fn set_signed_cookie(&mut self, name: &str, value: impl AsRef<[u8]>) -> Result {
        let options = CookieOptions {
            expires_days: Some(DEFAULT_SIGNED_COOKIE_EXPIRES_DAYS),
            ..CookieOptions::default()
        };
        self.set_signed_cookie_with(name, value, &options, None)
    }

    /// [`set_signed_cookie`](Self::set_signed_cookie) with attributes and a format `version`
    /// (1 or 2; default 2).
    pub fn set_signed_cookie_with(
        &mut self,
        name: &str,
        value: impl AsRef<[u8]>,
        options: &CookieOptions,
        version: Option<u32>,
    ) -> Result {
        let signed = create_signed_value(
            self.secret()?,
            name,
            value.as_ref(),
            version,
            SystemTime::now(),
        )
        .map_err(cookie_error)?;
        self.set_cookie_with(name, &signed, options)
    }

    /// The verified value of a signed cookie, or `None` if it is missing, tampered with, older
    /// than 31 days, or not valid UTF-8.
    pub fn get_signed_cookie(&self, name: &str) -> Result<Option<String>> {
        Ok(self
            .get_signed_cookie_bytes(name, DEFAULT_SIGNED_COOKIE_MAX_AGE_DAYS, None)?
            .and_then(|v| String::from_utf8(v).ok()))
    }

    /// The verified bytes of a signed cookie, with a maximum age and a minimum format version.
    pub fn get_signed_cookie_bytes(
        &self,
        name: &str,
        max_age_days: f64,
        min_version: Option<u32>,
    ) -> Result<Option<Vec<u8>>> {
        let secret = self.secret()?;
        Ok(self.get_cookie(name).and_then(|v| {
            decode_signed_value(
                secret,
                name,
                v,
                max_age_days,
                SystemTime::now(),
                min_version,
            )
        }))
    }

    /// Tornado's old name for [`set_signed_cookie`](Self::set_signed_cookie).
    pub fn set_secure_cookie(&mut self, name: &str, value: impl AsRef<[u8]>) -> Result {
        self.set_signed_cookie(name, value)
    }

    /// Tornado's old name for [`get_signed_cookie`](Self::get_signed_cookie).
    pub fn get_secure_cookie(&self, name: &str) -> Result<Option<String>> {
        self.get_signed_cookie(name)
    }

    fn raw_xsrf_token(&self) -> Result<RawXsrfToken> {
        let name = self.app.settings.xsrf_cookie_name();
        if let Some(raw) = self
            .get_cookie(name)
            .and_then(|c| decode_xsrf_token(c, SystemTime::now()))
        {
            if !raw.token.is_empty() {
                return Ok(raw);
            }
        }
        RawXsrfToken::generate(&ring::rand::SystemRandom::new(), SystemTime::now())
            .map_err(cookie_error)
    }

    /// The XSRF token, and the cookie to set if the token is new (no side effects).
    pub(crate) fn compute_xsrf_token(
        &mut self,
    ) -> Result<(String, Option<(String, CookieOptions)>)> {
        if let Some(t) = &self.xsrf_token {
            return Ok((t.clone(), None));
        }
        let raw = self.raw_xsrf_token()?;
        let settings = &self.app.settings;
        let version = XsrfTokenVersion::try_from(settings.xsrf_cookie_version.unwrap_or(2))
            .map_err(cookie_error)?;
        let token = generate_xsrf_token(
            version,
            &raw.token,
            raw.timestamp,
            &ring::rand::SystemRandom::new(),
        )
        .map_err(cookie_error)?;
        let mut cookie = None;
        if raw.version.is_none()
            && self.get_cookie(settings.xsrf_cookie_name()) != Some(token.as_str())
        {
            let mut options = settings.xsrf_cookie_kwargs.clone().unwrap_or_default();
            if options.expires_days.is_none()
                && options.expires.is_none()
                && options.max_age.is_none()
            {
                options.expires_days = Some(30.0);
            }
            cookie = Some((settings.xsrf_cookie_name().to_owned(), options));
        }
        Ok((token, cookie))
    }

    /// Makes a computed token this request's token, setting its cookie when it is new.
    pub(crate) fn accept_xsrf_token(
        &mut self,
        token: String,
        cookie: Option<(String, CookieOptions)>,
    ) -> Result {
        if let Some((name, options)) = cookie {
            self.set_cookie_with(&name, &token, &options)?;
        }
        self.xsrf_token = Some(token);
        Ok(())
    }

    /// The XSRF token for this session (Tornado's `xsrf_token`): from the `_xsrf` cookie, or
    /// new — in which case the cookie is set on this response. Masked (version 2) unless the
    /// `xsrf_cookie_version` setting is 1.
    pub fn xsrf_token(&mut self) -> Result<String> {
        let (token, cookie) = self.compute_xsrf_token()?;
        self.accept_xsrf_token(token.clone(), cookie)?;
        Ok(token)
    }

    /// `<input type="hidden" name="_xsrf" value="…"/>` for forms.
    pub fn xsrf_form_html(&mut self) -> Result<String> {
        Ok(super::xsrf::xsrf_form_html(&self.xsrf_token()?))
    }

    /// Tornado's XSRF check: the `_xsrf` argument (or an `X-Xsrftoken`/`X-Csrftoken` header)
    /// must carry the cookie's token; otherwise `403`.
    pub fn check_xsrf_cookie(&mut self) -> Result {
        let submitted = match self.get_arguments("_xsrf")?.pop() {
            Some(t) => Some(t),
            None => self
                .request
                .headers
                .get("X-Xsrftoken")
                .or_else(|| self.request.headers.get("X-Csrftoken"))
                .map(str::to_owned),
        };
        let raw = self.raw_xsrf_token()?;
        check_xsrf_token(submitted.as_deref(), &raw.token)
            .map_err(|e| WebError::Http(HttpError::new(e.status()).log_message(e.to_string())))
    }
}
