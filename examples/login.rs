//! Signed-cookie login with `authenticated` and XSRF-protected forms:
//! `cargo run --example login`, then open http://127.0.0.1:8888/.

mod common;

use tornado::escape::xhtml_escape;
use tornado::web::signed::SecretKeys;
use tornado::web::{url, Application, HandlerContext, RequestHandler, Result, Settings};

/// Reads the signed `user` cookie.
async fn user_from_cookie(cx: &HandlerContext<impl RequestHandler>) -> Result<Option<String>> {
    cx.get_signed_cookie("user")
}

#[derive(Default)]
struct MainHandler;
tornado::handler_actor!(MainHandler);

impl RequestHandler for MainHandler {
    async fn get_current_user(&mut self, cx: &mut HandlerContext<Self>) -> Result<Option<String>> {
        user_from_cookie(cx).await
    }

    async fn get(&mut self, cx: &mut HandlerContext<Self>) -> Result {
        let user = self.authenticated(cx).await?;
        let form = cx.xsrf_form_html()?;
        cx.write(format!(
            "<html><body><p>Hello, {}</p><form action=\"/logout\" method=\"post\">{form}<input type=\"submit\" value=\"Log out\"></form></body></html>",
            xhtml_escape(&user)
        ))
    }
}

#[derive(Default)]
struct LoginHandler;
tornado::handler_actor!(LoginHandler);

impl RequestHandler for LoginHandler {
    async fn get(&mut self, cx: &mut HandlerContext<Self>) -> Result {
        let next = cx.get_argument_or("next", "/")?;
        let form = cx.xsrf_form_html()?;
        cx.write(format!(
            "<html><body><form action=\"/login\" method=\"post\">{form}\
             <input type=\"hidden\" name=\"next\" value=\"{}\">\
             Name: <input name=\"name\"><input type=\"submit\" value=\"Sign in\"></form></body></html>",
            xhtml_escape(&next)
        ))
    }

    async fn post(&mut self, cx: &mut HandlerContext<Self>) -> Result {
        let name = cx.get_argument("name")?;
        if name.is_empty() {
            return cx.redirect("/login", false);
        }
        cx.set_signed_cookie("user", &name)?;
        let next = cx.get_argument_or("next", "/")?;
        // Only local paths: no open redirects.
        let next = if next.starts_with('/') && !next.starts_with("//") {
            next
        } else {
            "/".to_owned()
        };
        cx.redirect(&next, false)
    }
}

#[derive(Default)]
struct LogoutHandler;
tornado::handler_actor!(LogoutHandler);

impl RequestHandler for LogoutHandler {
    async fn post(&mut self, cx: &mut HandlerContext<Self>) -> Result {
        cx.clear_cookie("user")?;
        cx.redirect("/", false)
    }
}

/// The application, shared with the tests.
pub fn make_app(secret: &str) -> Application {
    Application::builder()
        .route(url(r"/", MainHandler::default))
        .route(url(r"/login", LoginHandler::default))
        .route(url(r"/logout", LogoutHandler::default))
        .settings(Settings {
            cookie_secret: Some(SecretKeys::Single(secret.as_bytes().to_vec())),
            login_url: Some("/login".into()),
            xsrf_cookies: true,
            ..Default::default()
        })
        .build()
        .expect("the routes are valid")
}

fn main() -> std::io::Result<()> {
    let args = common::parse_args("login");
    common::init_logging(&args.logging);
    let secret = std::env::var("COOKIE_SECRET")
        .unwrap_or_else(|_| "demo secret: set COOKIE_SECRET".to_owned());
    common::serve(args, move || make_app(&secret))
}
