//! Results: redis-benchmark's three formats (full, `-q`, `--csv`) and the live progress line.
//!
//! Every latency comes from the run's HdrHistogram, recorded in nanoseconds and printed in
//! milliseconds with three decimals, as redis-benchmark prints them. A percentile is the highest
//! value equivalent to the recorded one at three significant digits (HdrHistogram's convention,
//! and redis-benchmark's).

use std::io::{self, Write};
use std::time::{Duration, Instant};

use crate::connection::Tally;
use crate::event_loop::{Outcome, Settings};

/// redis-benchmark 7's CSV columns (`redis-benchmark --csv`), then ours.
pub const CSV_HEADER: &str = "\"test\",\"rps\",\"avg_latency_ms\",\"min_latency_ms\",\
\"p50_latency_ms\",\"p95_latency_ms\",\"p99_latency_ms\",\"max_latency_ms\",\
\"p90_latency_ms\",\"p99_9_latency_ms\",\"requests\",\"errors\"";

/// The progress line is rewritten at most this often.
pub const PROGRESS_EVERY: Duration = Duration::from_millis(250);

fn ms(nanos: u64) -> f64 {
    nanos as f64 / 1e6
}

/// The numbers every format prints, in milliseconds.
struct Numbers {
    rps: f64,
    avg: f64,
    min: f64,
    p50: f64,
    p90: f64,
    p95: f64,
    p99: f64,
    p999: f64,
    max: f64,
}

impl Numbers {
    fn of(outcome: &Outcome) -> Numbers {
        let h = &outcome.tally.latency;
        let q = |quantile: f64| ms(h.value_at_quantile(quantile));
        Numbers {
            rps: outcome.tally.finished as f64 / outcome.elapsed.as_secs_f64().max(1e-9),
            avg: h.mean() / 1e6,
            min: ms(h.min()),
            p50: q(0.50),
            p90: q(0.90),
            p95: q(0.95),
            p99: q(0.99),
            p999: q(0.999),
            max: ms(h.max()),
        }
    }
}

/// redis-benchmark's full report, with p90 and p99.9 added to its summary table.
pub fn full(
    out: &mut impl Write,
    title: &str,
    outcome: &Outcome,
    settings: &Settings,
    data_size: usize,
) -> io::Result<()> {
    let n = Numbers::of(outcome);
    let tally = &outcome.tally;
    writeln!(out, "====== {title} ======")?;
    writeln!(
        out,
        "  {} requests completed in {:.2} seconds",
        tally.finished,
        outcome.elapsed.as_secs_f64()
    )?;
    writeln!(out, "  {} parallel clients", settings.clients)?;
    writeln!(out, "  {data_size} bytes payload")?;
    writeln!(out, "  keep alive: 1")?;
    writeln!(out, "  pipeline: {}", settings.pipeline)?;
    writeln!(out)?;
    writeln!(out, "Latency by percentile distribution:")?;
    let mut cumulative = 0;
    // Halving the distance to 100% each step: 50%, 75%, 87.5%, ... as redis-benchmark prints.
    for v in tally.latency.iter_quantiles(1) {
        cumulative += v.count_since_last_iteration();
        writeln!(
            out,
            "{:.3}% <= {:.3} milliseconds (cumulative count {cumulative})",
            v.quantile_iterated_to() * 100.0,
            ms(tally.latency.highest_equivalent(v.value_iterated_to())),
        )?;
    }
    writeln!(out)?;
    writeln!(out, "Summary:")?;
    writeln!(
        out,
        "  throughput summary: {:.2} requests per second",
        n.rps
    )?;
    writeln!(out, "  latency summary (msec):")?;
    writeln!(
        out,
        "  {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "avg", "min", "p50", "p90", "p95", "p99", "p99.9", "max"
    )?;
    writeln!(
        out,
        "  {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.3}",
        n.avg, n.min, n.p50, n.p90, n.p95, n.p99, n.p999, n.max
    )?;
    match &tally.first_error {
        Some(first) => writeln!(
            out,
            "  error replies: {} (the first: {first})",
            tally.errors
        )?,
        None => writeln!(out, "  error replies: 0")?,
    }
    writeln!(out)
}

/// `-q`: redis-benchmark's one line, and the error count when there were errors.
pub fn quiet(out: &mut impl Write, title: &str, outcome: &Outcome) -> io::Result<()> {
    let n = Numbers::of(outcome);
    write!(
        out,
        "{title}: {:.2} requests per second, p50={:.3} msec",
        n.rps, n.p50
    )?;
    match &outcome.tally.first_error {
        Some(first) => writeln!(
            out,
            ", {} error replies (the first: {first})",
            outcome.tally.errors
        ),
        None => writeln!(out),
    }
}

/// `--csv`: one row under [`CSV_HEADER`]; every field quoted, as redis-benchmark does.
pub fn csv_row(out: &mut impl Write, title: &str, outcome: &Outcome) -> io::Result<()> {
    let n = Numbers::of(outcome);
    writeln!(
        out,
        "\"{}\",\"{:.2}\",\"{:.3}\",\"{:.3}\",\"{:.3}\",\"{:.3}\",\"{:.3}\",\"{:.3}\",\
         \"{:.3}\",\"{:.3}\",\"{}\",\"{}\"",
        title.replace('"', "\"\""),
        n.rps,
        n.avg,
        n.min,
        n.p50,
        n.p95,
        n.p99,
        n.max,
        n.p90,
        n.p999,
        outcome.tally.finished,
        outcome.tally.errors
    )
}

/// The live line on stderr: throughput and average latency over the last interval and overall,
/// rewritten in place with `\r`. Shown only on a terminal (a log file would fill with them).
pub struct Progress {
    title: String,
    started: Instant,
    due: Instant,
    /// The interval so far: when it began, and the totals then.
    since: Instant,
    finished_then: u64,
    latency_sum_then: u64,
    /// Width of the last line printed, to blank it out at the end.
    width: usize,
}

impl Progress {
    pub fn new(title: &str) -> Progress {
        let now = Instant::now();
        Progress {
            title: title.to_string(),
            started: now,
            due: now,
            since: now,
            finished_then: 0,
            latency_sum_then: 0,
            width: 0,
        }
    }

    pub fn start(&mut self, now: Instant) {
        self.started = now;
        self.since = now;
        self.due = now + PROGRESS_EVERY;
    }

    /// When the next line is due: the loop sleeps no longer than this.
    pub fn due(&self) -> Instant {
        self.due
    }

    pub fn maybe_show(&mut self, now: Instant, tally: &Tally) {
        if now < self.due {
            return;
        }
        let window = now.duration_since(self.since).as_secs_f64().max(1e-9);
        let overall = now.duration_since(self.started).as_secs_f64().max(1e-9);
        let replies = tally.finished - self.finished_then;
        let window_avg = average_ms(tally.latency_sum_ns - self.latency_sum_then, replies);
        let line = format!(
            "{}: rps={:.1} (overall: {:.1}) avg_msec={:.3} (overall: {:.3})",
            self.title,
            replies as f64 / window,
            tally.finished as f64 / overall,
            window_avg,
            average_ms(tally.latency_sum_ns, tally.finished),
        );
        self.width = self.width.max(line.len());
        // Progress is best effort: a closed stderr must not stop the benchmark.
        let _ = write!(io::stderr(), "\r{line:<width$}", width = self.width);
        self.since = now;
        self.finished_then = tally.finished;
        self.latency_sum_then = tally.latency_sum_ns;
        self.due = now + PROGRESS_EVERY;
    }

    /// Blank the line, so results print on a clean one.
    pub fn clear(&mut self) {
        if self.width > 0 {
            let _ = write!(io::stderr(), "\r{:width$}\r", "", width = self.width);
        }
    }
}

fn average_ms(sum_ns: u64, count: u64) -> f64 {
    sum_ns.checked_div(count).map_or(0.0, ms)
}
