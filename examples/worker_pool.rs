//! A pool of consumer actors draining a bounded queue.
//!
//! * a producer fills a bounded `Queue` (it waits whenever the queue is full),
//! * `CONSUMERS` consumer actors take jobs from the queue as a stream and mark each one done
//!   with `task_done`,
//! * a `Semaphore` caps how many consumers are inside the simulated slow call at once,
//! * `join` waits until every job is done, and
//! * a `PeriodicCallback` prints progress meanwhile.
//!
//! Run with `cargo run --example worker_pool`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix::{Actor, ActorFutureExt, AsyncContext, Context, StreamHandler, WrapFuture};
use tornado::gen;
use tornado::ioloop::{IoLoop, PeriodicCallback};
use tornado::locks::Semaphore;
use tornado::queues::Queue;

const JOBS: u32 = 40;
const CONSUMERS: usize = 4;
const QUEUE_SIZE: usize = 5;
const MAX_CONCURRENT_CALLS: u32 = 2;

/// One unit of work.
#[derive(Debug)]
struct Job {
    id: u32,
    cost: Duration,
}

/// Counters the progress report reads.
#[derive(Default)]
struct Stats {
    done: AtomicUsize,
    in_call: AtomicUsize,
    max_in_call: AtomicUsize,
}

/// A consumer actor: takes jobs from the queue one at a time.
struct Consumer {
    id: usize,
    queue: Queue<Job>,
    slow_service: Semaphore,
    stats: Arc<Stats>,
}

impl Actor for Consumer {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        // The queue is a stream of its jobs; each handle keeps its own place in line.
        ctx.add_stream(self.queue.clone());
    }
}

impl StreamHandler<Job> for Consumer {
    fn handle(&mut self, job: Job, ctx: &mut Context<Self>) {
        let (sem, stats, consumer) = (self.slow_service.clone(), self.stats.clone(), self.id);
        let call = async move {
            // At most MAX_CONCURRENT_CALLS consumers are in the slow call at once.
            let _permit = sem.acquire(None).await?;
            let now = stats.in_call.fetch_add(1, Ordering::SeqCst) + 1;
            stats.max_in_call.fetch_max(now, Ordering::SeqCst);
            gen::sleep(job.cost).await; // the simulated slow call
            stats.in_call.fetch_sub(1, Ordering::SeqCst);
            println!("consumer {consumer} finished job {}", job.id);
            Ok::<_, tornado::sync::WaitError>(())
        };
        // `wait` holds this actor's next job until the call is over: one job per consumer.
        ctx.wait(call.into_actor(self).map(|result, me, _| {
            if let Err(err) = result {
                eprintln!("consumer {}: {err}", me.id);
            }
            me.stats.done.fetch_add(1, Ordering::SeqCst);
            if let Err(err) = me.queue.task_done() {
                eprintln!("consumer {}: {err}", me.id);
            }
        }));
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let queue: Queue<Job> = Queue::new(Some(QUEUE_SIZE));
    let slow_service = Semaphore::new(MAX_CONCURRENT_CALLS);
    let stats = Arc::new(Stats::default());

    for id in 0..CONSUMERS {
        Consumer {
            id,
            queue: queue.clone(),
            slow_service: slow_service.clone(),
            stats: stats.clone(),
        }
        .start();
    }

    let progress = {
        let (queue, stats) = (queue.clone(), stats.clone());
        PeriodicCallback::new(
            move || {
                println!(
                    "progress: {}/{JOBS} done, {} queued, {} in the slow call",
                    stats.done.load(Ordering::SeqCst),
                    queue.qsize(),
                    stats.in_call.load(Ordering::SeqCst),
                );
            },
            Duration::from_millis(100),
        )?
    };
    progress.start();

    // The producer: `put` waits while the queue holds QUEUE_SIZE jobs.
    for id in 0..JOBS {
        let cost = Duration::from_millis(10 + u64::from(id % 4) * 10);
        queue.put(Job { id, cost }, None).await?;
    }
    println!("producer: all {JOBS} jobs queued");

    queue.join(None).await?;
    progress.stop();
    println!(
        "all {} jobs done; at most {} consumers were in the slow call at once",
        stats.done.load(Ordering::SeqCst),
        stats.max_in_call.load(Ordering::SeqCst),
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    IoLoop::run_sync(run, Some(Duration::from_secs(60)))??;
    Ok(())
}
