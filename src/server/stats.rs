//! The counters INFO reports, kept as commands run: per command (calls, time, rejections,
//! failures, a latency histogram), per error code, and the rates (`instantaneous_*`).
//!
//! Chapter: [docs/09-commands-and-the-keyspace.md](../../docs/09-commands-and-the-keyspace.md).
//!
//! Everything here is on the request path, so it is counted, not computed: a command's
//! statistics live in a `Vec` indexed by its place in the table (no hashing per request), a
//! latency goes into a fixed histogram bucket in a handful of instructions, and a rate meter
//! adds to a slot. Error codes are counted in a map, since only errors pay for it.
//!
//! The real cost is the clock. A command's duration needs two readings, as in Redis's
//! `call()`, and the operating system's clock (`Instant::now`, `clock_gettime` through the
//! vDSO) costs about 80 instructions a reading: at 16 pipelined GETs a read, the two of them
//! were 13% of a GET. So durations are read from the processor's time-stamp counter
//! (`quanta`'s `Clock::raw`, calibrated against the OS clock once), kept in its ticks, and
//! turned into microseconds only when INFO asks. Where there is no usable counter, `quanta`
//! falls back to the OS clock.
//!
//! Redis counterparts: `call()` and `updateCommandLatencyHistogram` (`server.c`),
//! `incrementErrorCount`, `trackInstantaneousMetric` and its samples.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::reactor::LoopStats;

/// Counters reported by INFO stats. `CONFIG RESETSTAT` replaces them with fresh ones.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub commands_processed: u64,
    pub keyspace_hits: u64,
    pub keyspace_misses: u64,
    /// Keys deleted to stay under `maxmemory` (INFO's `evicted_keys`).
    pub evicted_keys: u64,
    pub error_replies: u64,
    /// Commands per 100 ms over the last 1.6 s (`instantaneous_ops_per_sec`).
    pub ops: RateMeter,
    /// Bytes read and written, per 100 ms (`instantaneous_input_kbps`, `_output_kbps`).
    pub input: RateMeter,
    pub output: RateMeter,
    /// The loop's byte counters when they were last added to `input` and `output`.
    pub bytes_seen: (u64, u64),
    /// Per command and subcommand, by id in the table ([`crate::server::command::Table`]).
    pub commands: Vec<CommandStats>,
    /// Error replies per code (`ERR`, `WRONGTYPE`, ...), in name order (`errorstat_*`).
    pub errors: BTreeMap<String, u64>,
    /// The loop's counters at the last `CONFIG RESETSTAT`: INFO reports the difference, since
    /// the loop's own counters are not the application's to reset.
    pub loop_baseline: LoopStats,
}

/// At most this many error codes are told apart, as Redis's `ERROR_STATS_NUMBER`: error texts
/// can quote a client's bytes, and a client must not grow the map without bound.
const ERROR_CODES_MAX: usize = 128;

impl Stats {
    /// Fresh counters for a table of `commands` commands and subcommands.
    pub fn for_commands(commands: usize) -> Stats {
        Stats {
            commands: vec![CommandStats::default(); commands],
            ..Stats::default()
        }
    }

    /// Count an error reply whose text is `message` (starting with its code): its code is the
    /// first word, if a space comes within 32 bytes, else `ERR` (as Redis).
    pub fn count_error(&mut self, message: &[u8]) {
        self.error_replies += 1;
        let head = &message[..message.len().min(32)];
        let code = match head.iter().position(|&b| b == b' ') {
            Some(end) => String::from_utf8_lossy(&head[..end]),
            None => "ERR".into(),
        };
        if let Some(count) = self.errors.get_mut(code.as_ref()) {
            *count += 1;
        } else if self.errors.len() < ERROR_CODES_MAX {
            self.errors.insert(code.into_owned(), 1);
        }
    }

    /// The statistics of the command with table id `id`.
    pub fn command(&mut self, id: usize) -> Option<&mut CommandStats> {
        self.commands.get_mut(id)
    }
}

/// One command's line of INFO commandstats and latencystats.
#[derive(Debug, Default, Clone)]
pub struct CommandStats {
    /// Times it ran.
    pub calls: u64,
    /// Clock ticks spent running it, in all ([`Stats::usec`] turns them into microseconds).
    pub ticks: u64,
    /// Refused before it ran (wrong arity, not authenticated, not allowed now).
    pub rejected_calls: u64,
    /// Ran and replied with an error.
    pub failed_calls: u64,
    /// Its latencies, allocated at its first call (most commands are never called).
    pub latency: Option<Box<Histogram>>,
}

impl CommandStats {
    /// One call that took `ticks` of the clock, and whether it replied with an error; its
    /// latency goes into the histogram when `tracking` (`latency-tracking`).
    #[inline]
    pub fn record(&mut self, ticks: u64, failed: bool, tracking: bool) {
        self.calls += 1;
        self.ticks += ticks;
        self.failed_calls += u64::from(failed);
        if !tracking {
            return;
        }
        match &mut self.latency {
            Some(histogram) => histogram.record(ticks),
            None => self.latency.get_or_insert_with(Box::default).record(ticks),
        }
    }
}

/// Sub-buckets per power of two: each bucket is at most 1/32 (about 3%) wide, Redis's
/// histograms keep 2 significant digits (1%); a percentile here is within 3% of the truth.
const SUB_BITS: u32 = 5;
const SUB_BUCKETS: usize = 1 << SUB_BITS;

/// Latencies (in clock ticks), log-linear: values below 32 have a bucket each; above, each
/// power of two is cut into 32 equal buckets. 64 powers × 32 = 2,048 counters, 16 KiB, for any
/// value a `u64` holds, and recording is a leading-zero count, a shift and an add.
#[derive(Debug, Clone)]
pub struct Histogram {
    counts: Box<[u64; 64 * SUB_BUCKETS]>,
}

impl Default for Histogram {
    fn default() -> Histogram {
        Histogram {
            counts: Box::new([0; 64 * SUB_BUCKETS]),
        }
    }
}

impl Histogram {
    #[inline]
    pub fn record(&mut self, value: u64) {
        // `bucket` is below 64 × 32 for every u64: no bounds check is needed, or made.
        self.counts[bucket(value) & (64 * SUB_BUCKETS - 1)] += 1;
    }

    pub fn is_empty(&self) -> bool {
        self.counts.iter().all(|&count| count == 0)
    }

    /// Every bucket that holds values: the largest value it stands for, and how many.
    pub fn buckets(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, count)| **count > 0)
            .map(|(index, &count)| (bucket_top(index), count))
    }

    /// The value at `percentile` (0 to 100), in the unit recorded: the top of the bucket where
    /// the count reaches that share of all values, as HdrHistogram reports it (its highest
    /// equivalent value).
    pub fn percentile(&self, percentile: f64) -> u64 {
        let total: u64 = self.counts.iter().sum();
        let wanted = ((percentile / 100.0) * total as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (index, &count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= wanted {
                return bucket_top(index);
            }
        }
        0
    }
}

/// The bucket of `value`: its power of two and the next [`SUB_BITS`] bits below the top one.
#[inline]
fn bucket(value: u64) -> usize {
    if value < SUB_BUCKETS as u64 {
        return value as usize;
    }
    let top = 63 - value.leading_zeros(); // >= SUB_BITS
    let shift = top - SUB_BITS;
    let sub = (value >> shift) as usize - SUB_BUCKETS;
    ((shift + 1) as usize) * SUB_BUCKETS + sub
}

/// The largest value that falls in bucket `index`.
fn bucket_top(index: usize) -> u64 {
    if index < SUB_BUCKETS {
        return index as u64;
    }
    let shift = (index / SUB_BUCKETS - 1) as u32;
    let sub = (index % SUB_BUCKETS + SUB_BUCKETS) as u64;
    ((sub + 1) << shift).wrapping_sub(1)
}

/// Length of one slot of a rate meter: Redis samples its metrics every 100 ms (`hz 10`).
const SLOT: Duration = Duration::from_millis(100);
/// Slots kept: Redis averages its last 16 samples (`STATS_METRIC_SAMPLES`), so 1.6 s.
const SLOTS: usize = 16;

/// A rate (`instantaneous_ops_per_sec`, `_kbps`): amounts added into 100 ms slots, the rate
/// taken over the last 16 slots.
///
/// Redis samples its counters from a timer ten times a second. A timer would wake an idle
/// server ten times a second, which this one must not do, so the slots are filled by the work
/// itself: each amount is added to the slot of the current time, reusing the slot of the same
/// index from 1.6 s ago. A slot that nothing touched holds an old slot number and is skipped
/// when reading, which is how idle time counts as zero.
#[derive(Debug, Default, Clone)]
pub struct RateMeter {
    /// `(slot number, amount)`; slot number = time since start / 100 ms, kept at index
    /// `number % 16`.
    slots: [(u64, u64); SLOTS],
}

impl RateMeter {
    /// Add `amount` at `since_start` (time since the server started).
    pub fn record(&mut self, since_start: Duration, amount: u64) {
        let number = slot_number(since_start);
        let slot = &mut self.slots[(number % SLOTS as u64) as usize];
        if slot.0 != number {
            *slot = (number, 0);
        }
        slot.1 += amount;
    }

    /// Amount per second over the window of the last 16 slots ending at `since_start` (the
    /// current slot counts for the part of it that has elapsed).
    pub fn per_sec(&self, since_start: Duration) -> f64 {
        let current = slot_number(since_start);
        let oldest = current.saturating_sub(SLOTS as u64 - 1);
        let amount: u64 = self
            .slots
            .iter()
            .filter(|(number, _)| (oldest..=current).contains(number))
            .map(|(_, amount)| amount)
            .sum();
        let window_start = Duration::from_millis(oldest.saturating_mul(SLOT.as_millis() as u64));
        // At least one slot long, so three commands in the first millisecond are not 3000/s.
        let window = since_start.saturating_sub(window_start).max(SLOT);
        amount as f64 / window.as_secs_f64()
    }
}

fn slot_number(since_start: Duration) -> u64 {
    // In u64 milliseconds: `as_millis` is a u128, and dividing that is a library call per
    // command (u64 lasts 584 million years of uptime).
    let millis = since_start.as_secs() * 1000 + u64::from(since_start.subsec_millis());
    millis / SLOT.as_millis() as u64
}

#[cfg(test)]
mod tests {
    use crate::server::stats::*;

    #[test]
    fn rate_meter_counts_the_last_window_only() {
        let ms = Duration::from_millis;
        let mut meter = RateMeter::default();
        assert_eq!(meter.per_sec(ms(5_000)), 0.0);
        // 1600 commands spread over 1.6 s starting at t = 10 s: 1000/s.
        for i in 0..1600 {
            meter.record(ms(10_000 + i), 1);
        }
        assert_eq!(meter.per_sec(ms(11_600)) as u64, 1000);
        // 1.6 s of silence later, all of it has left the window.
        assert_eq!(meter.per_sec(ms(13_300)), 0.0);
        // A burst right after start is measured over at least one slot, not over 1 ms.
        let mut meter = RateMeter::default();
        meter.record(ms(0), 1);
        meter.record(ms(1), 1);
        assert_eq!(meter.per_sec(ms(1)) as u64, 20);
    }

    /// Break checked: dropping the `- SUB_BUCKETS` in `bucket` puts values past the array and
    /// the percentiles come out 0.
    #[test]
    fn histogram_percentiles_are_within_three_percent() {
        let mut histogram = Histogram::default();
        for value in 1..=100_000u64 {
            histogram.record(value * 1000);
        }
        for (percentile, exact) in [
            (50.0, 50_000_000u64),
            (99.0, 99_000_000),
            (99.9, 99_900_000),
        ] {
            let got = histogram.percentile(percentile);
            assert!(
                got >= exact && got <= exact + exact / 32,
                "p{percentile}: {got} for {exact}"
            );
        }
        for value in [0, 1, 31, 32, 33, 1000, u64::MAX / 2, u64::MAX] {
            let index = bucket(value);
            assert!(bucket_top(index) >= value, "{value}");
            assert!(index == 0 || bucket_top(index - 1) < value, "{value}");
        }
    }

    #[test]
    fn errors_are_counted_by_code_and_bounded() {
        let mut stats = Stats::default();
        stats.count_error(b"ERR syntax error");
        stats.count_error(b"WRONGTYPE Operation against a key");
        stats.count_error(b"ERR unknown command");
        stats.count_error(b"NOSPACEINTHEFIRST32BYTESATALLXXXXXXXX whatever");
        assert_eq!(stats.errors.get("ERR"), Some(&3));
        assert_eq!(stats.errors.get("WRONGTYPE"), Some(&1));
        assert_eq!(stats.error_replies, 4);
        for i in 0..500 {
            stats.count_error(format!("E{i} x").as_bytes());
        }
        assert_eq!(stats.errors.len(), ERROR_CODES_MAX);
        assert_eq!(stats.error_replies, 504);
    }
}

/// Arguments a slow-log entry keeps, and bytes of each (Redis's `SLOWLOG_ENTRY_MAX_ARGC` and
/// `SLOWLOG_ENTRY_MAX_STRING`): the log must stay small whatever the command was.
const SLOWLOG_ARGS: usize = 32;
const SLOWLOG_ARG_BYTES: usize = 128;

/// One command that ran for at least `slowlog-log-slower-than` microseconds.
#[derive(Debug, Clone)]
pub struct SlowEntry {
    pub id: u64,
    /// Unix seconds when it was logged.
    pub time: u64,
    pub micros: u64,
    /// Its arguments, at most 32 (the last then says how many more there were), each cut at
    /// 128 bytes (saying how many more bytes there were).
    pub args: Vec<Vec<u8>>,
    /// The client's address and name.
    pub peer: String,
    pub name: Vec<u8>,
}

/// The slow log: newest first, at most `slowlog-max-len` entries.
#[derive(Debug, Default, Clone)]
pub struct SlowLog {
    pub entries: std::collections::VecDeque<SlowEntry>,
    next_id: u64,
}

impl SlowLog {
    /// Log a command (`args` its arguments, the name first), keeping at most `max_len`
    /// entries, as Redis's `slowlogCreateEntry` shortens them.
    pub fn push(
        &mut self,
        args: impl ExactSizeIterator<Item = impl AsRef<[u8]>>,
        micros: u64,
        peer: String,
        name: Vec<u8>,
        max_len: usize,
    ) {
        let argc = args.len();
        let kept = argc.min(SLOWLOG_ARGS);
        let mut logged = Vec::with_capacity(kept);
        for (i, arg) in args.take(kept).enumerate() {
            let arg = arg.as_ref();
            if kept != argc && i == kept - 1 {
                logged.push(format!("... ({} more arguments)", argc - kept + 1).into_bytes());
            } else if arg.len() > SLOWLOG_ARG_BYTES {
                let mut cut = arg[..SLOWLOG_ARG_BYTES].to_vec();
                let more = format!("... ({} more bytes)", arg.len() - SLOWLOG_ARG_BYTES);
                cut.extend_from_slice(more.as_bytes());
                logged.push(cut);
            } else {
                logged.push(arg.to_vec());
            }
        }
        let time = unix_secs();
        self.entries.push_front(SlowEntry {
            id: self.next_id,
            time,
            micros,
            args: logged,
            peer,
            name,
        });
        self.next_id += 1;
        self.entries.truncate(max_len);
    }
}

/// Unix seconds now (the slow log's and the latency monitor's timestamps).
fn unix_secs() -> u64 {
    (crate::server::unix_ms() / 1000) as u64
}

/// Samples a latency event keeps: 160 seconds' worth, one per second (Redis's
/// `LATENCY_TS_LEN`).
const LATENCY_SAMPLES: usize = 160;

/// One event's latency history: the worst latency of each second it happened in, the last 160
/// such seconds, and the worst ever.
#[derive(Debug, Clone)]
pub struct LatencySeries {
    /// `(unix seconds, milliseconds)`, oldest first.
    pub samples: std::collections::VecDeque<(u64, u64)>,
    pub max: u64,
}

/// The latency monitor: events (`command`, `fast-command`, `expire-cycle`) that took at least
/// `latency-monitor-threshold` milliseconds, by name, in the order first seen.
#[derive(Debug, Default, Clone)]
pub struct LatencyMonitor {
    pub events: Vec<(&'static str, LatencySeries)>,
}

impl LatencyMonitor {
    /// Record that `event` took `millis` now, if that reaches `threshold` (0: the monitor is
    /// off), as Redis's `latencyAddSampleIfNeeded`.
    pub fn record(&mut self, event: &'static str, millis: u64, threshold: u64) {
        if threshold == 0 || millis < threshold {
            return;
        }
        let now = unix_secs();
        let at = match self.events.iter().position(|(name, _)| *name == event) {
            Some(at) => at,
            None => {
                let series = LatencySeries {
                    samples: std::collections::VecDeque::new(),
                    max: 0,
                };
                self.events.push((event, series));
                self.events.len() - 1
            }
        };
        let series = &mut self.events[at].1;
        series.max = series.max.max(millis);
        match series.samples.back_mut() {
            Some((time, worst)) if *time == now => *worst = (*worst).max(millis),
            _ => {
                if series.samples.len() == LATENCY_SAMPLES {
                    series.samples.pop_front();
                }
                series.samples.push_back((now, millis));
            }
        }
    }

    /// Forget `event` (every event when `None`); how many were forgotten.
    pub fn reset(&mut self, event: Option<&[u8]>) -> usize {
        let before = self.events.len();
        match event {
            None => self.events.clear(),
            Some(event) => self.events.retain(|(name, _)| name.as_bytes() != event),
        }
        before - self.events.len()
    }
}

#[cfg(test)]
mod log_tests {
    use crate::server::stats::*;

    /// Break checked: counting the arguments left out without the one the note replaces
    /// (`argc - kept`) says "(68 more arguments)".
    #[test]
    fn slow_log_entries_are_cut_as_redis_cuts_them() {
        let mut log = SlowLog::default();
        let long = vec![b'x'; 200];
        let args: Vec<Vec<u8>> = (0..100).map(|i| format!("a{i}").into_bytes()).collect();
        log.push(args.iter(), 5, "1.2.3.4:5".into(), Vec::new(), 2);
        log.push(
            [&b"set"[..], &long].iter(),
            7,
            String::new(),
            b"me".to_vec(),
            2,
        );
        log.push([b"get"].iter(), 9, String::new(), Vec::new(), 2);
        assert_eq!(log.entries.len(), 2);
        let newest = &log.entries[0];
        assert_eq!((newest.id, newest.micros), (2, 9));
        let cut = &log.entries[1].args[1];
        assert_eq!(cut.len(), 128 + "... (72 more bytes)".len());
        assert!(cut.ends_with(b"... (72 more bytes)"));
        let mut many = SlowLog::default();
        many.push(args.iter(), 5, String::new(), Vec::new(), 10);
        let logged = &many.entries[0].args;
        assert_eq!(logged.len(), 32);
        assert_eq!(logged[31], b"... (69 more arguments)");
    }

    #[test]
    fn latency_events_keep_the_worst_per_second_and_ever() {
        let mut monitor = LatencyMonitor::default();
        monitor.record("command", 5, 0);
        assert!(monitor.events.is_empty(), "threshold 0 is off");
        monitor.record("command", 5, 10);
        assert!(monitor.events.is_empty(), "under the threshold");
        monitor.record("command", 20, 10);
        monitor.record("command", 50, 10);
        monitor.record("command", 30, 10);
        let series = &monitor.events[0].1;
        assert_eq!(series.max, 50);
        assert_eq!(series.samples.back().map(|s| s.1), Some(50));
        assert_eq!(monitor.reset(Some(b"nosuch")), 0);
        assert_eq!(monitor.reset(None), 1);
    }
}
