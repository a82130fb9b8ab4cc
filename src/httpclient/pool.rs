//! The pool actor: `max_clients` slots handed out in FIFO order, and idle keep-alive
//! connections per origin.
//!
//! Requests do their I/O in the caller's task; the actor only owns the bookkeeping, so a fetch
//! costs two messages (acquire, release) and never waits on another request's I/O.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use actix::prelude::*;
use tokio::sync::oneshot;

use super::conn::Connection;

/// What a pooled connection must match to be reused: origin, TLS settings and source address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct PoolKey {
    pub(crate) https: bool,
    pub(crate) host: String,
    pub(crate) port: u16,
    /// TLS settings that shaped the handshake (validation, CA file, client certificate).
    pub(crate) tls: Option<super::connect::TlsKey>,
    pub(crate) source: Option<IpAddr>,
}

/// A `max_clients` slot, possibly with an idle connection for the requested origin. Dropping
/// it frees the slot (and returns a connection put back with [`Permit::check_in`]).
pub(crate) struct Permit {
    pool: Addr<Pool>,
    pub(crate) conn: Option<Connection>,
    returned: Vec<(PoolKey, Connection)>,
}

impl Permit {
    /// Keeps `conn` for reuse once the fetch is over.
    pub(crate) fn check_in(&mut self, key: PoolKey, conn: Connection) {
        self.returned.push((key, conn));
    }

    /// An idle connection for `key` (after a redirect to another origin).
    pub(crate) async fn check_out(&mut self, key: &PoolKey) -> Option<Connection> {
        if let Some(i) = self.returned.iter().position(|(k, _)| k == key) {
            return Some(self.returned.swap_remove(i).1);
        }
        self.pool.send(CheckOut(key.clone())).await.ok().flatten()
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.pool.do_send(Release {
            returned: std::mem::take(&mut self.returned),
        });
    }
}

/// Counters of a client, for tests and monitoring.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// Fetches holding one of the `max_clients` slots.
    pub active: usize,
    /// Fetches waiting for a slot.
    pub queued: usize,
    /// Idle keep-alive connections in the pool.
    pub idle: usize,
    /// Connections opened since the client started.
    pub connections_opened: u64,
}

struct Waiter {
    key: PoolKey,
    tx: oneshot::Sender<Result<Permit, Closed>>,
}

struct Idle {
    conn: Connection,
    since: Instant,
}

/// The client was closed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Closed;

pub(crate) struct Pool {
    max_clients: usize,
    max_idle_per_origin: usize,
    idle_timeout: Duration,
    active: usize,
    queue: VecDeque<Waiter>,
    idle: HashMap<PoolKey, Vec<Idle>>,
    opened: u64,
    closed: bool,
}

impl Pool {
    pub(crate) fn new(max_clients: usize, idle_timeout: Duration) -> Self {
        Pool {
            max_clients: max_clients.max(1),
            max_idle_per_origin: max_clients.max(1),
            idle_timeout,
            active: 0,
            queue: VecDeque::new(),
            idle: HashMap::new(),
            opened: 0,
            closed: false,
        }
    }

    fn take_idle(&mut self, key: &PoolKey) -> Option<Connection> {
        let list = self.idle.get_mut(key)?;
        let now = Instant::now();
        let mut found = None;
        while let Some(mut idle) = list.pop() {
            if now.duration_since(idle.since) < self.idle_timeout && !idle.conn.is_stale() {
                found = Some(idle.conn);
                break;
            }
        }
        if list.is_empty() {
            self.idle.remove(key);
        }
        found
    }

    fn grant(
        &mut self,
        key: &PoolKey,
        tx: oneshot::Sender<Result<Permit, Closed>>,
        me: Addr<Pool>,
    ) {
        self.active += 1;
        let conn = self.take_idle(key);
        let permit = Permit {
            pool: me,
            conn,
            returned: Vec::new(),
        };
        // A waiter that gave up drops the permit inside the failed send, which releases it.
        let _ = tx.send(Ok(permit));
    }
}

// No timers: the actor stops when the last handle to it is dropped.
impl Actor for Pool {
    type Context = Context<Self>;
}

/// Asks for a slot; the answer comes on `tx` (at once or when a slot frees up).
pub(crate) struct Acquire {
    pub(crate) key: PoolKey,
    pub(crate) tx: oneshot::Sender<Result<Permit, Closed>>,
}

impl Message for Acquire {
    type Result = ();
}

impl Handler<Acquire> for Pool {
    type Result = ();

    fn handle(&mut self, msg: Acquire, ctx: &mut Context<Self>) {
        if self.closed {
            let _ = msg.tx.send(Err(Closed));
        } else if self.active < self.max_clients && self.queue.is_empty() {
            self.grant(&msg.key, msg.tx, ctx.address());
        } else {
            tracing::debug!(
                target: "tornado.httpclient",
                "max_clients limit reached, request queued. {} active, {} queued requests.",
                self.active,
                self.queue.len() + 1
            );
            self.queue.push_back(Waiter {
                key: msg.key,
                tx: msg.tx,
            });
        }
    }
}

struct Release {
    returned: Vec<(PoolKey, Connection)>,
}

impl Message for Release {
    type Result = ();
}

impl Handler<Release> for Pool {
    type Result = ();

    fn handle(&mut self, msg: Release, ctx: &mut Context<Self>) {
        self.active = self.active.saturating_sub(1);
        if self.closed && self.active == 0 {
            ctx.stop();
        }
        if !self.closed {
            let now = Instant::now();
            let limit = self.idle_timeout;
            self.idle.retain(|_, list| {
                list.retain(|i| now.duration_since(i.since) < limit);
                !list.is_empty()
            });
            for (key, conn) in msg.returned {
                let list = self.idle.entry(key).or_default();
                if list.len() < self.max_idle_per_origin {
                    list.push(Idle { conn, since: now });
                }
            }
        }
        while self.active < self.max_clients {
            let Some(w) = self.queue.pop_front() else {
                break;
            };
            if w.tx.is_closed() {
                continue;
            }
            self.grant(&w.key, w.tx, ctx.address());
        }
    }
}

struct CheckOut(PoolKey);

impl Message for CheckOut {
    type Result = Option<Connection>;
}

impl Handler<CheckOut> for Pool {
    type Result = Option<Connection>;

    fn handle(&mut self, msg: CheckOut, _: &mut Context<Self>) -> Option<Connection> {
        self.take_idle(&msg.0)
    }
}

/// A new connection was opened (for the stats).
pub(crate) struct Opened;

impl Message for Opened {
    type Result = ();
}

impl Handler<Opened> for Pool {
    type Result = ();

    fn handle(&mut self, _: Opened, _: &mut Context<Self>) {
        self.opened += 1;
    }
}

pub(crate) struct Stats;

impl Message for Stats {
    type Result = ClientStats;
}

impl Handler<Stats> for Pool {
    type Result = MessageResult<Stats>;

    fn handle(&mut self, _: Stats, _: &mut Context<Self>) -> MessageResult<Stats> {
        MessageResult(ClientStats {
            active: self.active,
            queued: self.queue.iter().filter(|w| !w.tx.is_closed()).count(),
            idle: self.idle.values().map(Vec::len).sum(),
            connections_opened: self.opened,
        })
    }
}

/// Closes the client: idle connections are dropped, queued and future fetches fail.
pub(crate) struct Close;

impl Message for Close {
    type Result = ();
}

impl Handler<Close> for Pool {
    type Result = ();

    fn handle(&mut self, _: Close, ctx: &mut Context<Self>) {
        self.closed = true;
        self.idle.clear();
        for w in self.queue.drain(..) {
            let _ = w.tx.send(Err(Closed));
        }
        if self.active == 0 {
            ctx.stop();
        }
    }
}
