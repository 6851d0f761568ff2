//! Micro-benchmarks of the keyspace operations behind `GET` and `SET`.
//!
//! `cargo bench --bench db` (divan). The keys and values are `redis-benchmark`'s
//! (`key:000000000000`, a 3-byte value) in a keyspace of 10,000 keys, so these are the
//! application's share of a `GET` or `SET` in `benches/compare.sh`, without the socket.

use divan::{Bencher, black_box};
use reactor::server::keyspace::db::{Db, Value};

fn main() {
    divan::main();
}

const KEYS: usize = 10_000;

fn key(i: usize) -> Vec<u8> {
    format!("key:{i:012}").into_bytes()
}

fn filled() -> Db {
    let mut db = Db::new(1);
    for i in 0..KEYS {
        db.set_str(&key(i), b"xxx", false, 0);
    }
    db
}

/// `GET` of a key that exists.
#[divan::bench(sample_size = 1000)]
fn get_hit(bencher: Bencher) {
    let mut db = filled();
    let k = key(KEYS / 2);
    bencher.bench_local(|| {
        db.get(black_box(&k), 0)
            .and_then(Value::as_str)
            .map(<[u8]>::len)
    });
}

/// `GET` of a key that does not.
#[divan::bench(sample_size = 1000)]
fn get_miss(bencher: Bencher) {
    let mut db = filled();
    let k = b"key:nonexistent".to_vec();
    bencher.bench_local(|| db.get(black_box(&k), 0).is_some());
}

/// `SET` over an existing string (the value's allocation is reused).
#[divan::bench(sample_size = 1000)]
fn set_existing(bencher: Bencher) {
    let mut db = filled();
    let k = key(KEYS / 2);
    bencher.bench_local(|| db.set_str(black_box(&k), black_box(b"yyy"), false, 0));
}

/// `SET` of a new key, then `DEL` (so the keyspace stays the same size).
#[divan::bench(sample_size = 1000)]
fn set_new_then_delete(bencher: Bencher) {
    let mut db = filled();
    let k = b"key:fresh".to_vec();
    bencher.bench_local(|| {
        db.set_str(black_box(&k), b"xxx", false, 0);
        db.delete(&k, 0)
    });
}
