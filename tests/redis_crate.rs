//! Compatibility through a real client library: the `redis` crate (synchronous API) talking to
//! an in-process server on 127.0.0.1:0. If these pass, the library's own parser accepted every
//! reply byte we sent.

use std::time::Duration;

use redis::{Commands, Value};

fn server_and_client() -> (reactor::ServerHandle, redis::Connection) {
    let server = reactor::spawn(reactor::config::Config::ephemeral()).expect("server starts");
    let url = format!("redis://{}/", server.addr());
    let client = redis::Client::open(url).expect("valid url");
    let con = client
        .get_connection_with_timeout(Duration::from_secs(5))
        .expect("connects");
    (server, con)
}

#[test]
fn set_get_incr_mget_through_the_redis_crate() {
    let (_server, mut con) = server_and_client();
    let () = con.set("greeting", "hello").unwrap();
    let got: String = con.get("greeting").unwrap();
    assert_eq!(got, "hello");
    let missing: Option<String> = con.get("nope").unwrap();
    assert_eq!(missing, None);
    let n: i64 = con.incr("counter", 5).unwrap();
    assert_eq!(n, 5);
    let n: i64 = con.incr("counter", -7).unwrap();
    assert_eq!(n, -2);
    let values: Vec<Option<String>> = con.mget(&["greeting", "nope", "counter"]).unwrap();
    assert_eq!(
        values,
        vec![Some("hello".to_string()), None, Some("-2".to_string())]
    );
    let err = con.incr::<_, _, i64>("greeting", 1).unwrap_err();
    assert!(err.to_string().contains("not an integer"), "{err}");
}

#[test]
fn pipelines_through_the_redis_crate() {
    let (_server, mut con) = server_and_client();
    let mut pipe = redis::pipe();
    for i in 0..1000 {
        pipe.cmd("SET").arg(format!("k{i}")).arg(i).ignore();
    }
    for i in 0..1000 {
        pipe.cmd("GET").arg(format!("k{i}"));
    }
    let values: Vec<i64> = pipe.query(&mut con).unwrap();
    assert_eq!(values, (0..1000).collect::<Vec<i64>>());
    let size: i64 = redis::cmd("DBSIZE").query(&mut con).unwrap();
    assert_eq!(size, 1000);
}

#[test]
fn binary_keys_and_values_survive_the_round_trip() {
    let (_server, mut con) = server_and_client();
    let key: Vec<u8> = vec![0, b'\r', b'\n', 255, b' ', b'"'];
    let value: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
    let () = con.set(&key, &value).unwrap();
    let got: Vec<u8> = con.get(&key).unwrap();
    assert_eq!(got, value);
    let len: usize = con.strlen(&key).unwrap();
    assert_eq!(len, value.len());
}

#[test]
fn expiry_through_the_redis_crate() {
    let (_server, mut con) = server_and_client();
    let () = con.set_ex("short", "v", 100).unwrap();
    let ttl: i64 = con.ttl("short").unwrap();
    assert!((99..=100).contains(&ttl), "ttl {ttl}");
    let () = redis::cmd("SET")
        .arg("blink")
        .arg("v")
        .arg("PX")
        .arg(50)
        .query(&mut con)
        .unwrap();
    std::thread::sleep(Duration::from_millis(120));
    let gone: Option<String> = con.get("blink").unwrap();
    assert_eq!(gone, None);
    let pttl: i64 = con.pttl("blink").unwrap();
    assert_eq!(pttl, -2);
    let persisted: bool = con.persist("short").unwrap();
    assert!(persisted);
    let ttl: i64 = con.ttl("short").unwrap();
    assert_eq!(ttl, -1);
}

#[test]
fn ping_echo_and_errors_through_the_redis_crate() {
    let (_server, mut con) = server_and_client();
    let pong: String = redis::cmd("PING").query(&mut con).unwrap();
    assert_eq!(pong, "PONG");
    let echoed: Value = redis::cmd("ECHO").arg("hi").query(&mut con).unwrap();
    assert_eq!(echoed, Value::BulkString(b"hi".to_vec()));
    let err = redis::cmd("NOSUCHCOMMAND")
        .arg("a")
        .query::<Value>(&mut con)
        .unwrap_err();
    assert!(err.to_string().contains("unknown command"), "{err}");
    // The connection is still usable after an error reply.
    let pong: String = redis::cmd("PING").query(&mut con).unwrap();
    assert_eq!(pong, "PONG");
}

/// A job queue as Sidekiq, Celery or RQ build one: a producer RPUSHes jobs, workers BLPOP them
/// with a timeout. Every job must reach exactly one worker: none lost, none twice.
#[test]
fn job_queue_with_blpop_workers_delivers_every_job_exactly_once() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    const JOBS: u32 = 100_000;
    const WORKERS: usize = 4;
    let server = reactor::spawn(reactor::config::Config::ephemeral()).expect("server starts");
    let url = format!("redis://{}/", server.addr());
    let produced = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let client = redis::Client::open(url.as_str()).unwrap();
            let produced = produced.clone();
            std::thread::spawn(move || {
                let mut con = client
                    .get_connection_with_timeout(Duration::from_secs(5))
                    .unwrap();
                let mut got = Vec::new();
                let started = std::time::Instant::now();
                loop {
                    let job: Option<(String, u32)> = redis::cmd("BLPOP")
                        .arg("jobs")
                        .arg(1)
                        .query(&mut con)
                        .unwrap();
                    match job {
                        Some((key, id)) => {
                            assert_eq!(key, "jobs");
                            got.push(id);
                        }
                        // Timed out with the queue empty: done once the producer is.
                        None if produced.load(Ordering::SeqCst) => return got,
                        None => {}
                    }
                    assert!(started.elapsed() < Duration::from_secs(300), "bounded");
                }
            })
        })
        .collect();
    let client = redis::Client::open(url.as_str()).unwrap();
    let mut producer = client
        .get_connection_with_timeout(Duration::from_secs(5))
        .unwrap();
    for id in 0..JOBS {
        let _: i64 = producer.rpush("jobs", id).unwrap();
    }
    produced.store(true, Ordering::SeqCst);
    let mut all: Vec<u32> = Vec::new();
    let mut per_worker = Vec::new();
    for worker in workers {
        let got = worker.join().expect("worker");
        per_worker.push(got.len());
        all.extend(got);
    }
    all.sort_unstable();
    let received = all.len();
    all.dedup();
    assert_eq!(received, all.len(), "a job was delivered twice");
    assert_eq!(all, (0..JOBS).collect::<Vec<_>>(), "every job, once");
    // Blocked workers are served in turn, so the work is shared.
    assert!(per_worker.iter().all(|&n| n > 0), "{per_worker:?}");
    let left: bool = producer.exists("jobs").unwrap();
    assert!(!left, "the queue is empty, and an empty list is no key");
}
