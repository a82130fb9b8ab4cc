//! Errors from callbacks and from `gen::multi`'s later futures are logged, not lost, and
//! quiet errors are not.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tornado::gen::{multi, multi_quiet};
use tornado::ioloop::{IoLoop, PeriodicCallback};

/// Log lines written by `tracing` on this thread while the guard is alive.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn install(&self) -> tracing::subscriber::DefaultGuard {
        let writer = self.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_default(subscriber)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log buffer")).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[actix_rt::test]
async fn spawn_callback_logs_errors_and_panics() {
    let logs = Captured::default();
    let _guard = logs.install();
    let io_loop = IoLoop::current();
    let (tx, rx) = tokio::sync::oneshot::channel();
    io_loop.spawn_callback(async { Err::<(), _>("disk on fire") });
    io_loop.spawn_callback(async {
        panic!("callback exploded");
        #[allow(unreachable_code)]
        ()
    });
    io_loop.spawn_callback(async move {
        let _ = tx.send(());
    });
    rx.await.expect("the loop goes on");
    let text = logs.text();
    assert!(text.contains("disk on fire"), "logged: {text}");
    assert!(text.contains("callback exploded"), "logged: {text}");
}

#[actix_rt::test]
async fn periodic_callback_logs_each_failure() {
    tokio::time::pause();
    let logs = Captured::default();
    let _guard = logs.install();
    let pc = PeriodicCallback::new_async(
        || async { Err::<(), _>("tick failed") },
        Duration::from_millis(100),
    )
    .expect("valid");
    pc.start();
    tokio::time::sleep(Duration::from_millis(250)).await;
    pc.stop();
    assert_eq!(logs.text().matches("tick failed").count(), 2);
}

#[actix_rt::test]
async fn multi_logs_errors_after_the_first_unless_quiet() {
    let logs = Captured::default();
    let _guard = logs.install();
    let failing =
        || ["first", "second", "third"].map(|msg| async move { Err::<(), _>(msg.to_owned()) });
    assert_eq!(multi(failing()).await, Err("first".to_owned()));
    let text = logs.text();
    assert!(
        !text.contains("first"),
        "the returned error is not logged: {text}"
    );
    assert!(
        text.contains("second") && text.contains("third"),
        "logged: {text}"
    );

    let quiet_logs = Captured::default();
    let _quiet_guard = quiet_logs.install();
    let result = multi_quiet(failing(), |err: &String| err == "third").await;
    assert_eq!(result, Err("first".to_owned()));
    let text = quiet_logs.text();
    assert!(
        text.contains("second") && !text.contains("third"),
        "logged: {text}"
    );
}
